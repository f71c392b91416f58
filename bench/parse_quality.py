"""Parser quality against first-page ground truth: title, authors (P/R/F1), abstract first sentence.

    .venv/bin/python bench/parse_quality.py [--parser local|grobid|auto] [--pdfs DIR] [--truth FILE]
                                            [--grobid-url URL]

Defaults: the four fixture PDFs in ../shared/fixtures/pdfs and tests/fixture_truth.py's TRUTH. A JSON
truth file maps a name to {"file"?, "title", "authors", "abstract"}; without "file" the PDF is the one
whose name starts with the key. With --parser grobid|auto and no --grobid-url the GROBID figures come
from the in-process fake server of tests/parse/grobid_server.py replaying REAL recorded GROBID 0.6.1 TEI
(specter, literature_graph only; other PDFs get "no recorded TEI"): they measure our TEI mapping on
real GROBID output, not a live GROBID run. Give --grobid-url for a real server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.settings import GrobidSettings, ParseSettings, Settings  # noqa: E402
from tasks.parse.backends import parse_pdf  # noqa: E402
from tasks.parse.errors import ParseError  # noqa: E402
from tests.fixture_truth import TRUTH  # noqa: E402
from tests.parse.grobid_server import GrobidServer  # noqa: E402

logging.getLogger("httpx").setLevel(logging.WARNING)  # one health check per paper is noise here

FIXTURES = ROOT.parent / "shared" / "fixtures"


def norm(text: str) -> str:
    """NFKC, whitespace collapsed, case folded: differences a reader would not call errors."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", " ".join(text.split()))
    return match.group(1) if match else text


def author_scores(found: list[str], truth: list[str]) -> tuple[float, float, float]:
    got, want = [norm(a) for a in found], [norm(a) for a in truth]
    hits = sum(1 for a in set(got) if a in want)
    p = hits / len(got) if got else 0.0
    r = hits / len(want) if want else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def load_truth(path: Path | None) -> dict[str, dict[str, Any]]:
    if path is None:
        return TRUTH
    data: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def find_pdf(pdfs: Path, name: str, truth: dict[str, Any]) -> Path | None:
    if truth.get("file"):
        return pdfs / str(truth["file"])
    return next(iter(sorted(pdfs.glob(f"{name}*.pdf"))), None)


@contextlib.contextmanager
def grobid_url(parser: str, url: str | None) -> Iterator[str | None]:
    """The URL to use: the given one, else (for grobid/auto) the in-process recorded-TEI server."""
    if url or parser == "local":
        yield url
        return
    with GrobidServer() as server:
        server.stub.load_recorded(FIXTURES)
        yield server.url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parser", choices=["local", "grobid", "auto"], default="local")
    parser.add_argument("--pdfs", type=Path, default=FIXTURES / "pdfs")
    parser.add_argument("--truth", type=Path, default=None)
    parser.add_argument("--grobid-url", default=None)
    args = parser.parse_args()
    truth = load_truth(args.truth)
    rows = []
    with grobid_url(args.parser, args.grobid_url) as url:
        settings = Settings(grobid=GrobidSettings(url=url), parse=ParseSettings(parser=args.parser))
        for name, want in truth.items():
            pdf = find_pdf(args.pdfs, name, want)
            if pdf is None or not pdf.is_file():
                rows.append((name, "-", None, "no PDF"))
                continue
            try:
                outcome = parse_pdf(pdf.read_bytes(), pdf.name, settings=settings)
            except ParseError as exc:
                note = "no recorded TEI" if url and not args.grobid_url else str(exc)[:60]
                rows.append((name, "-", None, note))
                continue
            got = outcome.parsed
            title = norm(got.title) == norm(want["title"])
            p, r, f1 = author_scores([a.name for a in got.authors], want["authors"])
            abstract = norm(first_sentence(got.abstract)) == norm(want["abstract"])
            rows.append((name, outcome.parser_used, (title, p, r, f1, abstract), ""))
    print(f"parser: {args.parser}" + (f" (GROBID at {args.grobid_url})" if args.grobid_url else ""))
    print(
        f"{'paper':<18} {'used':<7} {'title':>5} {'auth P':>7} {'auth R':>7} {'auth F1':>8} {'abstr':>6}"
        "  note"
    )
    scored = [s for _, _, s, _ in rows if s]
    for name, used, s, note in rows:
        if s:
            t, p, r, f1, a = s
            print(f"{name:<18} {used:<7} {int(t):>5} {p:>7.2f} {r:>7.2f} {f1:>8.2f} {int(a):>6}  {note}")
        else:
            print(f"{name:<18} {used:<7} {'-':>5} {'-':>7} {'-':>7} {'-':>8} {'-':>6}  {note}")
    if scored:
        n = len(scored)
        print(
            f"{'TOTAL (' + str(n) + ' scored)':<26} {sum(s[0] for s in scored) / n:>5.2f}"
            f" {sum(s[1] for s in scored) / n:>7.2f} {sum(s[2] for s in scored) / n:>7.2f}"
            f" {sum(s[3] for s in scored) / n:>8.2f} {sum(s[4] for s in scored) / n:>6.2f}"
            "  (title/abstract: share exact; authors: mean per paper)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
