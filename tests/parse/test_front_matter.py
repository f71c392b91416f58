"""Front matter of real layouts, drawn the way TeX draws it: accents as glyphs of their own, namesakes,
an abstract with no heading, names and URLs broken across lines."""

from __future__ import annotations

import pytest

from tasks.models import ParsedPaper
from tasks.parse.frontmatter import clean_name
from tasks.parse.glyphs import compose_accents
from tasks.parse.local import parse_pdf_bytes
from tasks.parse.text import Vocabulary, find_urls, join_lines, url_goes_on
from tests.parse.pdfs import escape, text_lines, winansi_pdf

ABSTRACT = [
    "We turn award-winning papers into one-page comics that a general reader can follow in a",
    "minute. Each comic is drawn from the claims of a summary whose every quote was found in the",
    "paper itself, so that nothing in a panel says more than the paper does. On forty papers from",
    "four conferences, readers answered questions about the paper as well after the comic as after",
    "the abstract, and they preferred the comic in most cases. We release the code and the comics.",
]
INTRO = [
    "Best-paper awards draw attention to a handful of papers every year, but most readers never",
    "get past their titles. Summaries help, yet they are read as text and forgotten as quickly as",
    "any other text. Demo: comics-lab.github.io/demo and the gallery at https://comics-lab.github.io/",
    "gallery of all comics drawn so far, which is updated after every conference of the year.",
    "We describe how a paper becomes a script of panels, how each panel is drawn, and how we test",
    "that a comic says nothing the paper does not say, with readers and with automatic checks.",
]
METHOD = [
    "A parser reads the paper, a summarizer picks its claims, and a renderer draws one image for",
    "each panel of the script; the layout step letters the captions and the speech balloons.",
]


def _marked(name: bytes, mark: bytes) -> bytes:
    """A name in 11 pt followed by a raised 7 pt mark, continuing the current text line."""
    return b"/F1 11 Tf (%s) Tj /F1 7 Tf 4 Ts (%s) Tj 0 Ts " % (name, mark)


def front_matter_pdf(*, accent_run: bool = True) -> bytes:
    """One page: title, four authors (two namesakes, one accent drawn on its own), marked
    affiliations, a project URL broken over two lines, an abstract without a heading, sections."""
    # "Trzciński" as pdfTeX sets it with OT1 fonts: "Trzci", the acute accent (0xB4), then "nski"
    # drawn back over the accent's place (the TJ kern of 333 is the accent's width).
    accent = b"(, Bartosz Trzci) Tj [(\xb4) 333] TJ (nski) Tj"
    if not accent_run:
        accent = b"(, Bartosz Trzci\xb4nski) Tj"
    authors = (
        b"BT 90 672 Td "
        + _marked(b"Anna Kowalska", b"1*")
        + b"/F1 11 Tf "
        + accent
        + b" /F1 7 Tf 4 Ts (2) Tj 0 Ts "
        + _marked(b", Anna Kowalska", b"2")
        + _marked(b" and Jan Nowak", b"1\x86")
        + b"ET"
    )
    ops = [
        b"BT /F2 17 Tf 72 700 Td (Learning to Draw Comics from Papers) Tj ET",
        authors,
        b"BT 180 656 Td /F1 6 Tf 3 Ts (1) Tj 0 Ts /F1 9 Tf (University of Warsaw, Poland) Tj ET",
        b"BT 180 645 Td /F1 6 Tf 3 Ts (2) Tj 0 Ts /F1 9 Tf (Jagiellonian University, Krakow) Tj ET",
        b"BT /F1 9 Tf 180 634 Td (\\{anna.kowalska, jan.nowak\\}@uw.edu.pl) Tj ET",
        b"BT /F1 9 Tf 150 622 Td (Project page: https://comics-lab.github.io/paper-) Tj ET",
        b"BT /F1 9 Tf 150 611 Td (panels/ and the code at github.com/comics-lab/panels) Tj ET",
        *text_lines(72, 590, 10, ABSTRACT),
        b"BT /F2 12 Tf 72 515 Td (1 Introduction) Tj ET",
        *text_lines(72, 498, 10, INTRO),
        b"BT /F2 12 Tf 72 410 Td (2 Method) Tj ET",
        *text_lines(72, 393, 10, METHOD),
    ]
    return winansi_pdf([ops], annots=[(0, b"https://comics-lab.github.io/gallery")])


@pytest.fixture(scope="module")
def paper() -> ParsedPaper:
    return parse_pdf_bytes(front_matter_pdf(), "front_matter.pdf")


def test_accent_drawn_on_its_own_stays_in_the_name_and_namesakes_are_two_people(paper: ParsedPaper) -> None:
    names = [a.name for a in paper.authors]
    # Not "Trzci" (cut at the accent), the author after it not lost, the second Anna Kowalska kept.
    assert names == ["Anna Kowalska", "Bartosz Trzciński", "Anna Kowalska", "Jan Nowak"]
    affiliations = [a.affiliations for a in paper.authors]
    assert affiliations == [
        ["University of Warsaw, Poland"],
        ["Jagiellonian University, Krakow"],
        ["Jagiellonian University, Krakow"],
        ["University of Warsaw, Poland"],
    ]


def test_accent_inside_one_run_is_merged_too() -> None:
    parsed = parse_pdf_bytes(front_matter_pdf(accent_run=False), "one_run.pdf")
    assert [a.name for a in parsed.authors][1] == "Bartosz Trzciński"


def test_abstract_without_a_heading_follows_the_affiliations(paper: ParsedPaper) -> None:
    assert paper.title == "Learning to Draw Comics from Papers"
    assert paper.abstract.startswith(
        "We turn award-winning papers into one-page comics that a general reader can follow in a minute."
    )
    assert paper.abstract.endswith("We release the code and the comics.")
    assert [(s.number, s.heading) for s in paper.sections] == [("1", "Introduction"), ("2", "Method")]
    assert not any("award-winning" in " ".join(a.affiliations) for a in paper.authors)


def test_page_one_urls_are_kept_whole(paper: ParsedPaper) -> None:
    assert paper.urls == [
        "https://comics-lab.github.io/paper-panels/",  # broken after "paper-": joined
        "https://github.com/comics-lab/panels",
        "https://comics-lab.github.io/demo",  # a github.io project page written without a scheme
        "https://comics-lab.github.io/gallery",  # cut after "/": the PDF's link says where it goes
    ]


def test_names_broken_across_lines_are_joined() -> None:
    ops = [
        b"BT /F2 16 Tf 72 700 Td (A Report With Many Authors) Tj ET",
        *text_lines(
            72,
            670,
            10,
            [
                "Jinze Bai, Shuai Bai, Yunfei Chu, Zeyu Cui, Kai Dang, Yang Fan, Wenbin Ge, Yu",
                "Han, Fei Huang, Binyuan Hui, Luo Ji, Mei Li, Junyang Lin, Runji Lin, Dayiheng Liu, Gao Liu,",
                "Xiaohuan Zhou, Tianhang Zhu.",
            ],
        ),
        b"BT /F2 10 Tf 72 620 Td (Qwen Team, Alibaba Group) Tj ET",
        b"BT /F2 10 Tf 280 590 Td (Abstract) Tj ET",
        *text_lines(72, 570, 10, ABSTRACT),
        b"BT /F2 12 Tf 72 480 Td (1 Introduction) Tj ET",
        *text_lines(72, 463, 10, INTRO),
    ]
    parsed = parse_pdf_bytes(winansi_pdf([ops]), "many_authors.pdf")
    names = [a.name for a in parsed.authors]
    assert names[6:9] == ["Wenbin Ge", "Yu Han", "Fei Huang"]
    assert names[-2:] == ["Xiaohuan Zhou", "Tianhang Zhu"]
    assert len(names) == 18 and "Qwen Team" not in names and "Yu" not in names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trzci\u00b4nski", "Trzciński"),  # TeX: the accent before its letter
        ("Jos\u00b4e", "José"),
        ("Malm\u00a8o", "Malmö"),
        ("\u00b4Etienne", "Étienne"),
        ("Cle\u0301ment", "Clément"),  # a combining mark after its letter
        ("Alzheimer\u00b4s", "Alzheimer\u00b4s"),  # "´" typed for an apostrophe stays
        ("plain ascii", "plain ascii"),
    ],
)
def test_compose_accents(text: str, expected: str) -> None:
    assert compose_accents(text) == expected


@pytest.mark.parametrize(
    ("url", "next_line", "goes_on"),
    [
        ("https://github.com/allenai/", "specter for the code", True),  # a code host wants its repo
        ("https://x.github.io/project/", "index.html has more", True),
        ("https://x.github.io/paper-", "panels/ and", True),
        ("https://arxiv.org/", "the arXiv identifier", False),  # a word after "/" is prose
        ("https://arxiv.org/help/api/", "sub-words by the tokenizer", False),
        ("www.semanticscholar.", "org hosts it", True),
        ("https://x.org/a.", "The next sentence", False),
    ],
)
def test_url_goes_on(url: str, next_line: str, goes_on: bool) -> None:
    assert url_goes_on(url, next_line) is goes_on


def test_link_targets_complete_urls_cut_short() -> None:
    links = ["https://github.com/allenai/specter", "https://github.com/allenai/specter/tree/main/data"]
    texts = ["code: https://github.com/allenai/", "see https://github.com/allenai/spec", "https://x.org/a"]
    assert find_urls(texts, links) == ["https://github.com/allenai/specter", "https://x.org/a"]
    # A printed URL that a longer link only extends stays as printed.
    assert find_urls(["https://github.com/allenai/specter."], links[1:]) == [
        "https://github.com/allenai/specter"
    ]


def test_all_caps_title_broken_with_a_soft_hyphen_joins() -> None:
    vocab = Vocabulary(["we keep rethinking it", "the requires clause"])
    assert join_lines(["REQUIRES RE\x02", "THINKING GENERALIZATION"], vocab) == (
        "REQUIRES RETHINKING GENERALIZATION"
    )
    assert escape("a(b)") == b"a\\(b\\)"


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Jae-Young Kang1*", "Jae-Young Kang"),  # affiliation digit and equal-contribution star glued on
        ("Marie-Anne Lachaux\u2217", "Marie-Anne Lachaux"),
        ("Agathe Senellart ¶", "Agathe Senellart"),
        ("Xiahai Zhuang ?", "Xiahai Zhuang"),  # a star the text layer cannot map
        ("Zheng-Jun Zha1†‡§", "Zheng-Jun Zha"),
        ("Stéphanie Allassonnière1", "Stéphanie Allassonnière"),
        ("Cara O’Brien", "Cara O'Brien"),
    ],
)
def test_clean_name_strips_marks(raw: str, name: str) -> None:
    assert clean_name(raw) == name
