"""Speed and memory of the local parser beside pdfminer.six and plain pypdfium2 text, same process.

    taskset -c 0 .venv/bin/python bench/parse_speed.py [--pdfs DIR ...] [--repeats 3] [--local-only]

PDFs default to every real PDF in ../shared/fixtures (pdfs/ and corpus/pdfs/: 17 papers, 283 pages);
pin it to one core (`taskset -c 0`) to read pages/s per core. --local-only skips the comparisons
(pdfminer.six alone takes about a minute over the default set).

pages/s is total pages over total wall time across repeats, /cpu-s over the process's CPU time (what
a core does when others compete for it); "peak py MiB" is tracemalloc's peak of
Python allocations for one pass over all PDFs (pdfium's C heap is invisible to it); ru_maxrss is
the process's peak RSS after that extractor ran (monotonic: it never goes down).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402
from pdfminer.high_level import extract_text  # noqa: E402

from tasks.parse.local import parse_pdf_bytes  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures"


def local_parser(data: bytes, name: str) -> int:
    return parse_pdf_bytes(data, name).page_count


def pdfium_text(data: bytes, name: str) -> int:
    doc = pdfium.PdfDocument(data)
    try:
        for i in range(len(doc)):
            page = doc[i]
            text_page = page.get_textpage()
            text_page.get_text_range()
            text_page.close()
            page.close()
        return len(doc)
    finally:
        doc.close()


def pdfminer_text(data: bytes, name: str) -> int:
    import io

    extract_text(io.BytesIO(data))
    doc = pdfium.PdfDocument(data)  # page count only
    try:
        return len(doc)
    finally:
        doc.close()


def measure(
    fn: Callable[[bytes, str], int], pdfs: list[tuple[str, bytes]], repeats: int
) -> tuple[float, float, float, float, int]:
    """(pages/s, pages per CPU second, seconds per pass, tracemalloc peak MiB of one pass, pages per pass)."""
    tracemalloc.start()
    pages = sum(fn(data, name) for name, data in pdfs)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        for name, data in pdfs:
            fn(data, name)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return pages * repeats / elapsed, pages * repeats / cpu, elapsed / repeats, peak, pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=Path, action="append", help="a folder of PDFs (repeatable)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--local-only", action="store_true", help="only the local parser")
    args = parser.parse_args()
    folders = args.pdfs or [FIXTURES / "pdfs", FIXTURES / "corpus" / "pdfs"]
    pdfs = [(p.name, p.read_bytes()) for folder in folders for p in sorted(folder.glob("*.pdf"))]
    where = ", ".join(str(folder) for folder in folders)
    print(f"{len(pdfs)} PDFs from {where}, {args.repeats} timed repeats (after one traced warm-up pass)")
    print(
        f"{'extractor':<34} {'pages':>5} {'pages/s':>8} {'/cpu-s':>7} {'s/pass':>7} {'peak py MiB':>12}"
        f" {'ru_maxrss MiB':>14}"
    )
    extractors = [
        ("local parser (tasks.parse.local)", local_parser),
        ("pypdfium2 get_text_range", pdfium_text),
        ("pdfminer.six extract_text", pdfminer_text),
    ]
    for label, fn in extractors[:1] if args.local_only else extractors:
        rate, cpu_rate, per_pass, peak, pages = measure(fn, pdfs, args.repeats)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{label:<34} {pages:>5} {rate:>8.1f} {cpu_rate:>7.1f} {per_pass:>7.2f} {peak:>12.1f}"
            f" {rss:>14.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
