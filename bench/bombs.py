"""Resource bombs against the CLI of a source tree: wall time, peak memory of the process tree, outcome.

    .venv/bin/python bench/bombs.py                          # this tree
    .venv/bin/python bench/bombs.py --tree /tmp/old          # an older checkout, the same bombs
    .venv/bin/python bench/bombs.py --corpus                 # real PDFs against the default budgets

Each bomb is built here (tests/parse/bombs.py) and handed to `paperpanels parse` (PDFs) or
`paperpanels show` (the YAML manifest) in a fresh process, under an address-space limit (--limit-gb,
8 by default, so that a tree without budgets cannot take the machine down) and a timeout. Peak
memory is the largest sum of RSS over the CLI and all its descendants (sampled every 20 ms; a
bounded parse runs in a child process). A baseline row (a real 13-page paper) is printed with them.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from tests.parse.bombs import SPARSE_OPS, alias_bomb_yaml, inflating_pdf  # noqa: E402

MB = 1 << 20
FIXTURE = HERE.parent / "shared" / "fixtures" / "pdfs" / "specter_2020.acl-main.207.pdf"


def bombs(folder: Path) -> list[tuple[str, list[str]]]:
    """(case, CLI arguments) for each bomb, its file written into folder."""
    cases: list[tuple[str, list[str]]] = []
    if FIXTURE.is_file():
        cases.append(("baseline: a real 13-page paper", ["parse", str(FIXTURE)]))
    pdfs = {
        "1 MB PDF, content inflating ~735:1": inflating_pdf(770 * MB, unit=SPARSE_OPS),
        "4 MB PDF, content inflating ~735:1": inflating_pdf(3000 * MB, unit=SPARSE_OPS),
        "20 pages sharing one 8 MB stream of paths": inflating_pdf(8 * MB, pages=20),
    }
    for n, (case, data) in enumerate(pdfs.items()):
        path = folder / f"bomb{n}.pdf"
        path.write_bytes(data)
        cases.append((f"{case} ({len(data) / MB:.2f} MB)", ["parse", str(path)]))
    conferences = folder / "conferences"
    conferences.mkdir(exist_ok=True)
    for levels in (8, 9):
        text = alias_bomb_yaml(levels=levels, width=9, slug=f"bomb{levels}-2025")
        (conferences / f"bomb{levels}-2025.yaml").write_text(text, encoding="utf-8")
        cases.append(
            (f"YAML alias bomb, 9^{levels} strings in {len(text)} bytes", ["show", f"bomb{levels}-2025"])
        )
    return cases


def run(
    tree: Path, args: list[str], env: dict[str, str], limit_gb: float, timeout: float
) -> tuple[float, float, str]:
    """(seconds, peak MiB of the process tree, outcome) of one CLI run."""
    # Output to files, not pipes: a parsed paper's JSON would fill a pipe nobody reads while sampling.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        seconds, peak, code = _sampled(tree, args, env, (limit_gb, timeout), (out, err))
        out.seek(0)
        err.seek(0)
        lines = [line for line in (err.read() or out.read()).splitlines() if line.strip()]
    said = lines[-1][:150] if lines else ""
    if code is None:
        return seconds, peak, f"still running after {timeout:.0f} s: killed"
    if code < 0:
        return seconds, peak, f"killed by signal {-code}: {said}"
    return seconds, peak, f"exit {code}" + (f": {said}" if code else " (parsed)")


def _sampled(
    tree: Path, args: list[str], env: dict[str, str], limits: tuple[float, float], files: tuple[Any, Any]
) -> tuple[float, float, int | None]:
    """Run the CLI, sampling the RSS of its process tree: (seconds, peak MiB, exit code or None)."""
    limit, timeout = int(limits[0] * (1 << 30)), limits[1]

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=tree, env=env, stdout=files[0], stderr=files[1], text=True, preexec_fn=cap,
    )  # fmt: skip
    peak = 0
    root = psutil.Process(process.pid)
    while process.poll() is None and time.monotonic() - started < timeout:
        try:
            procs = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.02)
    code = process.poll()
    if code is None:
        for child in root.children(recursive=True):
            child.kill()
        process.kill()
        process.wait()
    return time.monotonic() - started, peak / MB, code


def corpus() -> int:
    """Every real PDF of ../shared/fixtures measured against the default budgets: the margins."""
    from config.settings import ParseSettings
    from tasks.parse.local import parse_pdf_bytes
    from tasks.parse.streams import measure

    budget = ParseSettings()
    files = sorted((HERE.parent / "shared" / "fixtures").glob("**/*.pdf"))
    heads = ("pages", "content MB", "drawn MB", "image MB", "scan s", "CPU s/page")
    print(f"{'file':<36} " + " ".join(f"{h:>10}" for h in heads))
    worst = [0.0, 0.0, 0.0, 0.0, 0.0]
    for path in files:
        data = path.read_bytes()
        started = time.perf_counter()
        footprint = measure(data, budget=1 << 40)
        scan = time.perf_counter() - started
        cpu = time.process_time()
        pages = parse_pdf_bytes(data, path.name).page_count
        per_page = (time.process_time() - cpu) / max(1, pages)
        row = [footprint.decoded / MB, footprint.drawn / MB, footprint.largest_image / MB, scan, per_page]
        worst = [max(w, r) for w, r in zip(worst, row, strict=True)]
        cells = [f"{pages:10d}", *(f"{v:10.1f}" for v in row[:3]), f"{scan:10.2f}", f"{per_page:10.3f}"]
        print(f"{path.name[:36]:<36} " + " ".join(cells))
    print(f"{len(files)} real PDFs; the most any needs, against the default budget:")
    print(f"  content decoded {worst[0]:.1f} MB, drawn {worst[1]:.1f} MB  vs  {budget.max_decoded_mb:g} MB")
    print(f"  largest image {worst[2]:.1f} MB  vs  {budget.max_image_mb:g} MB")
    print(
        f"  CPU per page {worst[4]:.3f} s  vs  {budget.cpu_s_per_page:g} s (+ {budget.cpu_s_base:g} s a PDF)"
    )
    print(f"  stream scan {worst[3]:.2f} s at most")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", type=Path, default=HERE, help="source tree whose CLI is run")
    parser.add_argument("--limit-gb", type=float, default=8.0, help="address-space limit of each run")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds before a run is killed")
    parser.add_argument("--corpus", action="store_true", help="real PDFs against the default budgets")
    args = parser.parse_args()
    if args.corpus:
        return corpus()
    tree = args.tree.resolve()
    with tempfile.TemporaryDirectory(prefix="paperpanels-bombs-") as tmp:
        folder = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERPANELS_")}
        env.update(
            {
                "PYTHONPATH": str(tree),
                "PAPERPANELS_CONFERENCES_DIR": str(folder / "conferences"),
                "PAPERPANELS_PARSE__PARSER": "local",
                "PAPERPANELS_STORE__URI": str(folder / "store"),
            }
        )
        print(f"tree {tree}; each run limited to {args.limit_gb:g} GB of address space, {args.timeout:.0f} s")
        print(f"{'case':<58} {'seconds':>8} {'peak MiB':>9}  outcome")
        for case, cli_args in bombs(folder):
            seconds, peak, outcome = run(tree, cli_args, env, args.limit_gb, args.timeout)
            print(f"{case:<58} {seconds:8.1f} {peak:9.0f}  {outcome}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
