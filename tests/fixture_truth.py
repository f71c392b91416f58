"""Ground truth of the real PDFs: the four fixture papers (read from their first pages, see
../shared/fixtures/README.md), the corpus (../shared/fixtures/corpus/truth.json) and corpus2 (31 journal
and proceedings templates, ../shared/fixtures/corpus2/truth.json), with the scoring that tests and
bench/parse_quality.py share."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

    from tasks.models import ParsedPaper

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"
CORPUS = FIXTURES / "corpus"
CORPUS2 = FIXTURES / "corpus2"
# The computer-science templates (ACM, IEEE, USENIX, VLDB, PMLR, AMS, arXiv), recognised in a
# truth entry's layout description: their bar is higher (titles 100 %, author F1 >= 0.98).
_CS_LAYOUT_RE = re.compile(r"\b(?:ACM|IEEE|USENIX|P?VLDB|PMLR|AMS|amsart|arXiv)", re.I)
# Papers set with one document class share a template family; every other paper is its own.
TEMPLATE_FAMILIES = {
    "specter": "acl",
    "literature_graph": "acl",
    "papermage": "acl",
    "numeracy_literacy": "acl",
    "futoma2017": "jmlr",
    "dropout_jmlr2014": "jmlr",
    "pmlr_acml22_aiirmix": "jmlr",
    "transcoder_neurips2020_preprint": "neurips",
    "wann_neurips2019": "neurips",
    "neuripsws_pmlr187_lzn": "neurips",
    "rethinking_generalization_iclr2017": "iclr",
    "qwen_technical_report": "iclr",
    "acmsmall_tochi_paperplain": "acmart",
    "chi23_citesee": "acmart",
}
FIXTURE_FILES = {
    "specter": "specter_2020.acl-main.207.pdf",
    "literature_graph": "literature_graph_N18-3011.pdf",
    "papermage": "papermage_emnlp2023_demo.pdf",
    "futoma2017": "futoma2017_mgp_rnn_1708.05894v1.pdf",
}

TRUTH: dict[str, dict[str, Any]] = {
    "specter": {
        "title": "SPECTER: Document-level Representation Learning using Citation-informed Transformers",
        "authors": ["Arman Cohan", "Sergey Feldman", "Iz Beltagy", "Doug Downey", "Daniel S. Weld"],
        "abstract": (
            "Representation learning is a critical ingredient for natural language processing systems."
        ),
        "pages": 13,
        "url": "https://github.com/allenai/specter",
        "layout": "two column; ACL 2020 camera-ready (ACL Anthology)",
    },
    "literature_graph": {
        "title": "Construction of the Literature Graph in Semantic Scholar",
        "authors": [
            "Waleed Ammar",
            "Dirk Groeneveld",
            "Chandra Bhagavatula",
            "Iz Beltagy",
            "Miles Crawford",
            "Doug Downey",
            "Jason Dunkelberger",
            "Ahmed Elgohary",
            "Sergey Feldman",
            "Vu Ha",
            "Rodney Kinney",
            "Sebastian Kohlmeier",
            "Kyle Lo",
            "Tyler Murray",
            "Hsu-Han Ooi",
            "Matthew Peters",
            "Joanna Power",
            "Sam Skjonsberg",
            "Lucy Lu Wang",
            "Chris Wilhelm",
            "Zheng Yuan",
            "Madeleine van Zuylen",
            "Oren Etzioni",
        ],
        "abstract": (
            "We describe a deployed scalable system for organizing published scientific literature into a "
            "heterogeneous graph to facilitate algorithmic manipulation and discovery."
        ),
        "pages": 8,
        "url": "https://github.com/allenai/science-parse",
        "layout": "two column; NAACL-HLT 2018 industry track (ACL Anthology)",
    },
    "papermage": {
        "title": (
            "PaperMage: A Unified Toolkit for Processing, Representing, and Manipulating Visually-Rich "
            "Scientific Documents"
        ),
        "authors": [
            "Kyle Lo",
            "Zejiang Shen",
            "Benjamin Newman",
            "Joseph Chee Chang",
            "Russell Authur",
            "Erin Bransom",
            "Stefan Candra",
            "Yoganand Chandrasekhar",
            "Regan Huff",
            "Bailey Kuehl",
            "Amanpreet Singh",
            "Chris Wilhelm",
            "Angele Zamarron",
            "Marti A. Hearst",
            "Daniel S. Weld",
            "Doug Downey",
            "Luca Soldaini",
        ],
        "abstract": (
            "Despite growing interest in applying natural language processing (NLP) and computer vision (CV) "
            "models to the scholarly domain, scientific documents remain challenging to work with."
        ),
        "pages": 13,
        "url": "https://github.com/allenai/papermage",
        "layout": "two column; EMNLP 2023 system demonstrations (ACL style)",
    },
    "futoma2017": {
        "title": (
            "An Improved Multi-Output Gaussian Process RNN with Real-Time Validation for Early Sepsis "
            "Detection"
        ),
        "authors": [
            "Joseph Futoma",
            "Sanjay Hariharan",
            "Katherine Heller",
            "Mark Sendak",
            "Nathan Brajer",
            "Meredith Clement",
            "Armando Bedoya",
            "Cara O'Brien",
        ],
        "abstract": (
            "Sepsis is a poorly understood and potentially life-threatening complication that can occur as a "
            "result of infection."
        ),
        "pages": 12,
        "url": "https://github.com/jfutoma/MGP-RNN",
        "layout": "one column; JMLR style (MLHC 2017), arXiv:1708.05894v1 with the side stamp",
    },
}


@dataclass(frozen=True)
class RealPaper:
    """One real PDF and what its pages say: title, ordered authors, the abstract's first sentence."""

    name: str
    path: Path
    title: str
    authors: list[str]
    abstract_start: str
    pages: int
    folder: str = ""  # "pdfs", "corpus" or "corpus2"
    layout: str = ""  # the truth's description of the template

    @property
    def template(self) -> str:
        """The template family: papers set with one class are held out together (leave-one-template-out)."""
        return TEMPLATE_FAMILIES.get(self.name, self.name)

    @property
    def cs_template(self) -> bool:
        """One of the issue's computer-science templates (ACM, IEEE, USENIX, VLDB, PMLR, AMS, arXiv)."""
        return bool(_CS_LAYOUT_RE.search(self.layout))


def corpus_truth(folder: Path = CORPUS) -> dict[str, dict[str, Any]]:
    """A corpus folder's truth.json (corpus/ by default), or {} where the shared fixtures are absent."""
    path = folder / "truth.json"
    if not path.is_file():
        return {}
    data: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def real_papers() -> dict[str, RealPaper]:
    """The four fixture papers and the corpus, by name ("specter", "ppo_arxiv2017", ...); {} without them."""
    if not FIXTURES.is_dir():
        return {}
    out = {
        name: RealPaper(
            name,
            FIXTURES / "pdfs" / FIXTURE_FILES[name],
            t["title"],
            t["authors"],
            t["abstract"],
            t["pages"],
            "pdfs",
            t["layout"],
        )
        for name, t in TRUTH.items()
    }
    return out | _corpus_papers(CORPUS)


def corpus2_papers() -> dict[str, RealPaper]:
    """corpus2's 31 papers of 31 journal and proceedings templates, by name; {} without them."""
    return _corpus_papers(CORPUS2)


def every_real_paper() -> dict[str, RealPaper]:
    """Every real PDF with truth in the shared fixtures: pdfs/, corpus/ and corpus2/."""
    return real_papers() | corpus2_papers()


def _corpus_papers(folder: Path) -> dict[str, RealPaper]:
    out = {}
    for file, t in corpus_truth(folder).items():
        name = file.removesuffix(".pdf")
        out[name] = RealPaper(
            name,
            folder / "pdfs" / file,
            t["title"],
            t["authors"],
            t["abstract_first_sentence"],
            t["pages"],
            folder.name,
            t.get("layout", ""),
        )
    return out


# The test run, when pytest runs (tests/conftest.py sets it): its workers share the parsed real papers.
# The tests of one paper are handed out one by one, so without it each worker parsed most of the 48
# PDFs again (test_corpus: 20 CPU-s on one worker, 46 on three).
PARSE_SHARE: list[pytest.TempPathFactory] = []


@cache
def parse_real(name: str) -> ParsedPaper:
    """A real paper through the local parser, once per test run: the first worker to need it parses
    it and keeps it (pickled: a dump leaves out the hidden text) for the others (tests/sharing.py
    made_once); once per process outside pytest."""
    import pickle

    from tasks.parse.local import parse_pdf_file

    path = every_real_paper()[name].path
    if not PARSE_SHARE:
        return parse_pdf_file(path)
    from tests.sharing import made_once

    def parse(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "paper.pickle").write_bytes(pickle.dumps(parse_pdf_file(path)))

    kept = made_once(PARSE_SHARE[0], f"parsed-{name}", parse) / "paper.pickle"
    return pickle.loads(kept.read_bytes())  # written by a worker of this run


def norm(text: str) -> str:
    """NFKC, typographic apostrophes as ASCII, whitespace collapsed, case folded: what a reader ignores."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'")
    return " ".join(text.split()).casefold()


_FIRST_SENTENCE_RE = re.compile(r"(.+?(?<!\b[a-z]\.[a-z])(?<!\be\.g)(?<!\bi\.e)[.!?])(\s+(?=[A-Z\d“\"(])|$)")


def first_sentence(text: str) -> str:
    """Up to the first full stop that ends a sentence ("i.e.," and "C++ (...)" do not end one)."""
    match = _FIRST_SENTENCE_RE.match(" ".join(text.split()))
    return match.group(1) if match else text


def author_scores(found: list[str], truth: list[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of author names, counting repeats (two people may share a name)."""
    got, want = [norm(a) for a in found], [norm(a) for a in truth]
    remaining = list(want)
    hits = 0
    for name in got:
        if name in remaining:
            remaining.remove(name)
            hits += 1
    p = hits / len(got) if got else 0.0
    r = hits / len(want) if want else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def broken_names(found: list[str], truth: list[str]) -> list[str]:
    """Found names that are a piece of a true name or two names run together: a split or cut name."""
    want = {norm(a) for a in truth}
    broken = []
    for name in (norm(a) for a in found):
        if name in want:
            continue
        if any(name in w or w in name for w in want):
            broken.append(name)
    return broken
