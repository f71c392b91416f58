"""Reading order, headings, hyphenation, references and URLs on a hand-built two-column page."""

from __future__ import annotations

from tasks.parse.layout import clean_text
from tasks.parse.local import parse_pdf_bytes
from tasks.parse.text import Vocabulary, find_urls, join_lines
from tests.parse.pdfs import positioned_pdf

LEFT, RIGHT, BODY = 72.0, 320.0, 10.0
Run = tuple[float, float, float, str, bool]


def _column(x: float, top: float, texts: list[str], indent_first: bool = False) -> list[Run]:
    runs: list[Run] = []
    for i, text in enumerate(texts):
        runs.append((x + (10 if indent_first and i == 0 else 0), top - 12 * i, BODY, text, False))
    return runs


def _two_column_paper() -> bytes:
    runs: list[Run] = [
        (150, 740, 18, "Reading Order in a Synthetic Paper", True),
        (170, 712, 12, "Ada Lovelace", True),
        (330, 712, 12, "Alan Turing", True),
        (200, 696, 11, "Analytical Engine Society", False),
        (150, 660, 11, "Abstract", True),
    ]
    abstract = [f"Abstract line {n} of the summary runs on and on" for n in range(1, 6)]
    abstract[-1] = "and the summary ends with a full stop."
    runs += _column(LEFT, 645, abstract)
    runs.append((LEFT, 570, 12, "1 Introduction", True))
    intro_left = [f"Left line {n} of the introduction runs on and on" for n in range(1, 30)]
    intro_left[4] = "a word that is broken at the end: repre-"
    intro_left[5] = "sentation continues on the next line of the column"
    runs += _column(LEFT, 552, intro_left, indent_first=True)
    intro_right = [f"Right line {n} of the introduction runs on further" for n in range(1, 20)]
    intro_right[-1] = "and the paragraph ends here."
    runs += _column(RIGHT, 660, intro_right)
    runs.append((RIGHT, 410, 12, "References", True))
    refs = [
        "Ada Lovelace. 1843. Notes on the analytical",
        "engine of Charles Babbage. Taylor.",
        "Alan Turing. 1936. On computable numbers,",
        "with an application to the problem. LMS.",
        "Alan Turing. 1950. Computing machinery and",
        "intelligence. Mind.",
    ]
    for i, text in enumerate(refs):
        runs.append((RIGHT + (0 if i % 2 == 0 else 12), 392 - 12 * i, 9.0, text, False))
    runs.append((LEFT, 90, 8, "1Code: https://github.com/example/repo.", False))
    return positioned_pdf(runs)


def test_two_column_reading_order_and_structure() -> None:
    paper = parse_pdf_bytes(_two_column_paper(), "synthetic.pdf")
    assert paper.title == "Reading Order in a Synthetic Paper"
    assert [a.name for a in paper.authors] == ["Ada Lovelace", "Alan Turing"]
    assert paper.authors[0].affiliations == ["Analytical Engine Society"]
    assert paper.abstract.startswith("Abstract line 1 of the summary runs on and on Abstract line 2")
    assert paper.abstract.endswith("on and on and the summary ends with a full stop.")
    assert [(s.number, s.heading) for s in paper.sections] == [("1", "Introduction")]
    (intro,) = paper.sections[0].paragraphs
    # Left column top to bottom, then the right column: one paragraph across the column break.
    assert intro.startswith("Left line 1 of the introduction")
    assert intro.index("Left line 29") < intro.index("Right line 1") < intro.index("Right line 18")
    assert intro.endswith("and the paragraph ends here.")
    assert "broken at the end: representation continues" in intro
    assert [(r.year, r.raw[:12]) for r in paper.references] == [
        (1843, "Ada Lovelace"),
        (1936, "Alan Turing."),
        (1950, "Alan Turing."),
    ]
    assert paper.references[0].title == "Notes on the analytical engine of Charles Babbage"
    assert paper.urls == ["https://github.com/example/repo"]


def test_clean_text_expands_ligatures_and_collapses_space() -> None:
    assert clean_text("ﬁne-tuning\u00a0the  ﬂow\x01") == "fine-tuning the flow"


def test_dehyphenation_uses_the_papers_vocabulary() -> None:
    vocab = Vocabulary(["a task-specific model", "the representation of", "the embedding"])
    assert join_lines(["learn a repre\x02", "sentation here"], vocab) == "learn a representation here"
    assert join_lines(["a task\x02", "specific model"], vocab) == "a task-specific model"
    # Unknown fragments are joined: LaTeX hyphenates words, rarely breaks at a real hyphen.
    assert join_lines(["the ingre\x02", "dient list"], vocab) == "the ingredient list"
    assert join_lines(["see https://github.com/org/", "repo for code"], vocab) == (
        "see https://github.com/org/repo for code"
    )


def test_find_urls_strips_punctuation_and_dedupes_in_order() -> None:
    texts = [
        "Code is at https://github.com/a/b. Models at huggingface.co/org/model, data (www.example.org/data).",
        "Again https://github.com/a/b; and http://x.org/page_(1) and https://one.org/https://two.org/x",
    ]
    assert find_urls(texts) == [
        "https://github.com/a/b",
        "https://huggingface.co/org/model",
        "https://www.example.org/data",
        "http://x.org/page_(1)",
        "https://one.org/",
        "https://two.org/x",
    ]
