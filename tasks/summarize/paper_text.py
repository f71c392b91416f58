"""The paper as sentences: where each stands (section, paragraph, location) and what part it plays.

Shared by the extractive summarizer, the LLM context selection, the injection scan and review.md:
a sentence is split, located and given its section's role the same way everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from tasks.models import ParsedPaper, Section
from tasks.summarize.grounding import normalize_text
from tasks.text import location_label, paper_names, split_sentences

# --------------------------------------------------------------------------- paper structure

BOILERPLATE_SECTION_RE = re.compile(
    r"^(?:broader impacts?|(?:potential )?(?:negative )?societal impacts?|impact statement|ethic|"
    r"reproducibility|acknowledg|funding|author contributions?|contributions of the authors|"
    r"competing interests?|conflicts? of interest|declaration|data availability|code availability|"
    r"checklist|(?:neurips )?paper checklist|limitations and broader impact|statement of broader)"
)

_SECTION_KINDS: list[tuple[str, re.Pattern[str]]] = [
    (
        "skip",
        re.compile(
            r"^(references|bibliography|acknowledg|appendix|appendices|supplementa|funding|"
            r"author contributions|ethic|broader impact|societal impact|impact statement|reproducibility|"
            r"checklist|competing interest|conflicts? of interest|data availability|code availability)"
        ),
    ),
    # "Conclusions and Future Work" is a conclusion; only a section of its own is about limits.
    ("limitations", re.compile(r"limitation|^future work|threats to validity|shortcoming|failure mode")),
    ("intro", re.compile(r"introduc|contribution|motivation|overview|preface")),
    ("related", re.compile(r"related work|background|prior work|preliminar|literature review")),
    (
        "results",
        re.compile(r"result|experiment|evaluat|benchmark|finding|ablation|empirical|performance|comparison"),
    ),
    ("conclusion", re.compile(r"conclu|discussion|summary|outlook")),
]


def section_kind(heading: str) -> str:
    """Role of a section from its heading: intro, related, results, conclusion, limitations, skip or body."""
    h = normalize_text(heading).lstrip("0123456789. ")
    for kind, pattern in _SECTION_KINDS:
        if pattern.search(h):
            return kind
    return "skip" if BOILERPLATE_SECTION_RE.match(h) else "body"


@dataclass(frozen=True)
class Sentence:
    text: str
    location: str  # "Abstract" or "3 Method, paragraph 2"
    kind: str  # "abstract" or a section_kind
    position: int  # order in the paper
    heading: str = ""  # its section's heading ("" in the abstract)
    paragraph: int = -1  # index of its paragraph in the paper; sentences of one paragraph share it

    @cached_property
    def normalized(self) -> str:
        return normalize_text(self.text)


def _label(section: Section) -> str:
    # Same label as ParsedPaper.paragraphs() gives, so kinds can be looked up by it.
    return f"{section.number} {section.heading}".strip() if section.number else section.heading


def _appendix(section: Section) -> bool:
    """A section numbered with a letter ("A", "B.2"): an appendix, after the paper's own story."""
    return (section.number or "").strip(".")[:1].isalpha()


def _section_kinds(parsed: ParsedPaper) -> dict[str, str]:
    """Each section label's role; a numbered subsection ("4.6 Discussion") plays its parent's part,
    unless it is a statement to skip or the paper's limitations."""
    kinds = {"Abstract": "abstract"}
    parent = "body"
    for section in parsed.sections:
        kind = "skip" if _appendix(section) else section_kind(section.heading)
        number = (section.number or "").strip(".")
        if "." in number and kind not in ("skip", "limitations"):
            kind = parent
        elif "." not in number:
            parent = kind
        kinds.setdefault(_label(section), kind)
    # Parsers that miss headings still put the introduction first: treat the first section as it.
    if "intro" not in kinds.values():
        first = next((s for s in parsed.sections if s.paragraphs and kinds[_label(s)] != "skip"), None)
        if first is not None and kinds[_label(first)] == "body":
            kinds[_label(first)] = "intro"
    return kinds


def paper_sentences(parsed: ParsedPaper) -> list[Sentence]:
    """Every sentence of the abstract and body, with its location and its section's role.

    References, appendices, acknowledgements and statements (broader impact, ethics, ...) are left
    out: they are not what the paper did or found.
    """
    kinds = _section_kinds(parsed)
    headings = {_label(s): s.heading for s in parsed.sections}
    names = paper_names(parsed.title)
    out: list[Sentence] = []
    number = 0
    for label, index, text in parsed.paragraphs():
        kind = kinds.get(label, "body")
        if kind == "skip":
            continue
        # The abstract comes as one text with its paragraphs separated by blank lines; no sentence
        # runs over a paragraph's end ("... PDFs." / "§ github.com/...").
        for paragraph in re.split(r"\n\s*\n", text):
            number += 1
            for sentence in split_sentences(paragraph, names):
                location = location_label(label, index)
                out.append(Sentence(sentence, location, kind, len(out), headings.get(label, ""), number))
    return out


def is_prose(sentence: str, *, min_words: int = 6, max_words: int = 80) -> bool:
    """A sentence worth quoting: enough words, mostly letters (not a formula), not a lead-in to one."""
    words = sentence.split()
    if not min_words <= len(words) <= max_words or sentence.endswith(":"):
        return False
    visible = [c for c in sentence if not c.isspace()]
    return sum(c.isalpha() for c in visible) / len(visible) >= 0.6
