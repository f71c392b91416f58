"""Parser quality against first-page ground truth: title, authors (P/R/F1), abstract first sentence.

    .venv/bin/python bench/parse_quality.py [--parser local|grobid|auto] [--pdfs DIR --truth FILE]
                                            [--grobid-url URL]

Default: every real PDF in ../shared/fixtures, the four fixture papers (truth in
tests/fixture_truth.py), the corpus (corpus/truth.json) and corpus2 (corpus2/truth.json, 31 journal and
proceedings templates). A JSON truth file given with --truth maps
a name to {"file"?, "title", "authors", "abstract" or "abstract_first_sentence"}; without "file" the
PDF in --pdfs is the one whose name starts with the key. With --parser grobid|auto and no
--grobid-url the GROBID figures come from the in-process fake server of tests/parse/grobid_server.py
replaying REAL recorded GROBID 0.6.1 TEI (specter, literature_graph only; other PDFs get "no recorded
TEI"): they measure our TEI mapping on real GROBID output, not a live GROBID run. Give --grobid-url
for a real server.

Columns: title and abstract-start are exact matches after NFKC / case / whitespace normalisation;
author precision, recall and F1 count repeated names (namesakes are two people); "broken" counts
found names that are a piece of a true name or two true names run together (split or cut names).
TOTAL lines (per folder, for the computer-science templates of the issue - ACM, IEEE, USENIX, VLDB,
PMLR, AMS, arXiv - for the others, and over all): title and abstract as a share of PDFs, author P/R/F1
as the mean over PDFs, then the F1 over all names pooled and the number of PDFs with no author found.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.settings import GrobidSettings, ParseSettings, Settings  # noqa: E402
from tasks.parse.choice import parse_pdf  # noqa: E402
from tasks.parse.errors import ParseError  # noqa: E402
from tasks.parse.frontmatter import FrontMatterParams  # noqa: E402
from tasks.parse.local import Head, lay_out, read_head  # noqa: E402
from tests.fixture_truth import (  # noqa: E402
    FIXTURES,
    RealPaper,
    author_scores,
    broken_names,
    every_real_paper,
    first_sentence,
    norm,
)
from tests.parse.grobid_server import GrobidServer  # noqa: E402

logging.getLogger("httpx").setLevel(logging.WARNING)  # one health check per paper is noise here


def load_truth(pdfs: Path | None, truth: Path | None) -> dict[str, RealPaper]:
    """The papers to score: the shared fixtures, or a truth file over a folder of PDFs."""
    if truth is None:
        return every_real_paper()
    data = json.loads(truth.read_text(encoding="utf-8"))
    folder = pdfs or truth.parent
    out = {}
    for name, want in data.items():
        path = (
            folder / want["file"] if want.get("file") else next(iter(sorted(folder.glob(f"{name}*"))), None)
        )
        out[name] = RealPaper(
            name,
            path or folder / name,
            want["title"],
            want["authors"],
            want.get("abstract") or want.get("abstract_first_sentence", ""),
            int(want.get("pages", 0)),
        )
    return out


@contextlib.contextmanager
def grobid_url(parser: str, url: str | None) -> Iterator[str | None]:
    """The URL to use: the given one, else (for grobid/auto) the in-process recorded-TEI server."""
    if url or parser == "local":
        yield url
        return
    with GrobidServer() as server:
        server.stub.load_recorded(FIXTURES)
        yield server.url


Scores = tuple[bool, float, float, float, bool, int]  # title, P, R, F1, abstract, broken names


@dataclass
class Row:
    """One PDF's figures (None where it could not be scored) and the pooled name counts."""

    name: str
    group: str
    cs: bool
    used: str = "-"
    scores: Scores | None = None
    note: str = ""
    found: int = 0
    true: int = 0
    hits: int = 0


def score_paper(want: RealPaper, settings: Settings, replay: bool) -> Row:
    """Parse one PDF and compare it with its truth."""
    row = Row(want.name, want.folder or "truth", want.cs_template)
    if not want.path.is_file():
        row.note = "no PDF"
        return row
    try:
        outcome = parse_pdf(want.path.read_bytes(), want.path.name, settings=settings)
    except ParseError as exc:
        row.note = "no recorded TEI" if replay else str(exc)[:60]
        return row
    got = outcome.parsed
    found = [a.name for a in got.authors]
    p, r, f1 = author_scores(found, want.authors)
    broken = broken_names(found, want.authors)
    row.used = outcome.parser_used
    row.scores = (
        norm(got.title) == norm(want.title),
        p,
        r,
        f1,
        norm(first_sentence(got.abstract)) == norm(want.abstract_start),
        len(broken),
    )
    row.found, row.true, row.hits = len(found), len(want.authors), round(p * len(found))
    row.note = f"broken: {'; '.join(broken)}" if broken else ""
    return row


def print_rows(rows: list[Row]) -> None:
    print(
        f"{'paper':<36} {'used':<7} {'title':>5} {'auth P':>7} {'auth R':>7} {'auth F1':>8} {'abstr':>6}"
        f" {'broken':>6}  note"
    )
    for row in rows:
        if row.scores:
            t, p, r, f1, a, b = row.scores
            print(
                f"{row.name[:36]:<36} {row.used:<7} {int(t):>5} {p:>7.2f} {r:>7.2f} {f1:>8.2f} {int(a):>6}"
                f" {b:>6}  {row.note}"
            )
        else:
            dashes = " ".join(f"{'-':>{w}}" for w in (5, 7, 7, 8, 6, 6))
            print(f"{row.name[:36]:<36} {row.used:<7} {dashes}  {row.note}")


def print_total(label: str, rows: list[Row]) -> None:
    """Title and abstract as a share of PDFs, author P/R/F1 as the mean over PDFs, pooled names after."""
    scored = [row.scores for row in rows if row.scores is not None]
    if not scored:
        return
    n = len(scored)
    names_found, true, hits = (sum(getattr(row, k) for row in rows) for k in ("found", "true", "hits"))
    pp, pr = hits / max(names_found, 1), hits / max(true, 1)
    pf = 2 * pp * pr / (pp + pr) if pp + pr else 0.0
    zero = sum(1 for row in rows if row.scores is not None and row.found == 0)
    label = f"{label} ({n} of {len(rows)})"
    print(
        f"{label[:44]:<44} {sum(s[0] for s in scored) / n:>5.2f}"
        f" {sum(s[1] for s in scored) / n:>7.2f} {sum(s[2] for s in scored) / n:>7.2f}"
        f" {sum(s[3] for s in scored) / n:>8.2f} {sum(s[4] for s in scored) / n:>6.2f}"
        f" {sum(s[5] for s in scored):>6}  pooled F1 {pf:.3f} over {true} names; no author: {zero}"
    )


# Rules of the front matter reader that have no fitted parameter: fixed by the genre or by typography.
FIXED_RULES = [
    "genre labels above a title ('Article', 'Letter', 'RESEARCH ARTICLE'), journal header cues: word lists",
    "name shape (capitalised words, particles, initials), institution and title-page words: word lists",
    "names in capitals need evidence (a list, a glued mark, an affiliation after them, metadata): no number",
    "metadata title accepted only where it spells >= 15 letters of a run of lines >= 1.15 x body size: fixed",
    "structured-abstract labels and front matter boilerplate: word lists",
    "author blocks side by side (shared baseline, name stacked under name): geometry, no threshold",
    "column gutter in the middle 40 % of the text block: fixed",
]


def _score(head: Head, want: RealPaper) -> tuple[bool, float, bool]:
    found = [a.name for a in head.front.authors]
    return (
        norm(head.front.title) == norm(want.title),
        author_scores(found, want.authors)[2],
        norm(first_sentence(head.abstract)) == norm(want.abstract_start),
    )


def leave_one_template_out(papers: dict[str, RealPaper]) -> None:
    """Choose the front matter thresholds on all templates but one, measure on that one; print both figures.

    The grid is FrontMatterParams.grid(); a choice maximises title + author F1 + abstract over the
    training documents (ties: the shipped defaults first, then grid order).
    """
    docs = {n: lay_out(w.path.read_bytes(), w.path.name) for n, w in papers.items() if w.path.is_file()}
    grid = FrontMatterParams.grid()
    combos = [FrontMatterParams(**dict(zip(grid, values, strict=True))) for values in product(*grid.values())]
    default = FrontMatterParams()
    combos.sort(key=lambda c: c != default)  # the shipped values win a tie
    scores = {n: [_score(read_head(doc, c), papers[n]) for c in combos] for n, doc in docs.items()}
    templates = sorted({papers[n].template for n in docs})
    held: dict[str, tuple[bool, float, bool]] = {}
    chosen: Counter[str] = Counter()
    for template in templates:
        train = [n for n in docs if papers[n].template != template]
        best = max(range(len(combos)), key=lambda i: (sum(sum(scores[n][i]) for n in train), -i))
        chosen[_describe(combos[best], default)] += 1
        for n in docs:
            if papers[n].template == template:
                held[n] = scores[n][best]
    print(
        f"\n== leave-one-template-out ({len(templates)} templates, {len(combos)} settings of the thresholds)"
    )
    print(f"{'paper':<36} {'template':<18} {'plain t/F1/a':>14} {'held-out t/F1/a':>16}")
    for n in docs:
        plain, out = scores[n][0], held[n]
        mark = "" if plain == out else "  <- differs"
        print(f"{n[:36]:<36} {papers[n].template[:18]:<18} {_fmt(plain):>14} {_fmt(out):>16}{mark}")
    for label, names in _groups(papers, list(docs)):
        plain = [scores[n][0] for n in names]
        out = [held[n] for n in names]
        print(f"{label + f' ({len(names)})':<44} plain {_totals(plain)}   held-out {_totals(out)}")
    totals = [sum(sum(scores[n][i]) for n in docs) for i in range(len(combos))]
    best = max(totals)
    print(
        f"over the grid, all documents (title + F1 + abstract, at most {3 * len(docs)}): shipped "
        f"{totals[0]:.2f}, best {best:.2f} ({sum(t == best for t in totals)} of {len(combos)} settings), "
        f"worst {min(totals):.2f} ({_describe(combos[totals.index(min(totals))], default)})"
    )
    print("thresholds chosen without the held-out template (count of templates):")
    for text, count in chosen.most_common():
        print(f"  {count:>3}  {text}")
    print("rules with no fitted parameter (nothing to hold out):")
    for rule in FIXED_RULES:
        print(f"  - {rule}")


def _describe(params: FrontMatterParams, default: FrontMatterParams) -> str:
    changed = [
        f"{k}={getattr(params, k)}"
        for k in FrontMatterParams.grid()
        if getattr(params, k) != getattr(default, k)
    ]
    return "shipped defaults" if not changed else ", ".join(changed)


def _fmt(score: tuple[bool, float, bool]) -> str:
    return f"{int(score[0])}/{score[1]:.2f}/{int(score[2])}"


def _totals(scores: list[tuple[bool, float, bool]]) -> str:
    n = max(len(scores), 1)
    title, f1, abstract = (sum(s[i] for s in scores) / n for i in range(3))
    return f"title {title:.2f} F1 {f1:.2f} abstract {abstract:.2f}"


def _groups(papers: dict[str, RealPaper], names: list[str]) -> list[tuple[str, list[str]]]:
    folders = list(dict.fromkeys(papers[n].folder or "truth" for n in names))
    out = [(f"TOTAL {f}", [n for n in names if (papers[n].folder or "truth") == f]) for f in folders]
    out.append(("TOTAL CS templates", [n for n in names if papers[n].cs_template]))
    out.append(("TOTAL all", names))
    return [(label, group) for label, group in out if group]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parser", choices=["local", "grobid", "auto"], default="local")
    parser.add_argument("--pdfs", type=Path, default=None, help="folder of the PDFs a --truth file names")
    parser.add_argument("--truth", type=Path, default=None)
    parser.add_argument("--grobid-url", default=None)
    parser.add_argument("--no-loto", action="store_true", help="skip the leave-one-template-out figure")
    args = parser.parse_args()
    papers = load_truth(args.pdfs, args.truth)
    if not papers:
        print(f"no PDFs to score: {FIXTURES} not found (or give --truth FILE --pdfs DIR)")
        return 2
    with grobid_url(args.parser, args.grobid_url) as url:
        settings = Settings(grobid=GrobidSettings(url=url), parse=ParseSettings(parser=args.parser))
        replay = bool(url) and not args.grobid_url
        rows = [score_paper(want, settings, replay) for want in papers.values()]
    print(f"parser: {args.parser}" + (f" (GROBID at {args.grobid_url})" if args.grobid_url else ""))
    groups = list(dict.fromkeys(row.group for row in rows))
    for group in groups:
        print(f"\n== {group}")
        print_rows([row for row in rows if row.group == group])
    print()
    for group in groups:
        print_total(f"TOTAL {group}", [row for row in rows if row.group == group])
    print_total("TOTAL CS templates", [row for row in rows if row.cs])
    print_total("TOTAL other templates", [row for row in rows if not row.cs])
    print_total("TOTAL all", rows)
    if args.parser == "local" and not args.no_loto:
        leave_one_template_out({n: w for n, w in papers.items() if w.path.is_file()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
