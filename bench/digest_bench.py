"""Wall time and peak memory of `paperpanels digest` over the four fixture PDFs: cold, then cached.

    .venv/bin/python bench/digest_bench.py [--fixtures ../shared/fixtures] [--runs-cached 2]

Each run is a fresh `paperpanels` process (as a user runs it) with its own ephemeral Prefect
server; peak RSS is the digest process's own (os.wait4), the Prefect server process excluded.
The cold run starts from an empty artifact store and an empty Prefect result cache; the cached
runs reuse both, so the difference is what caching saves.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixture_conference import CONFERENCES, SLUG, stage_papers  # noqa: E402


def run_digest(env: dict[str, str]) -> tuple[float, float, int]:
    """One digest process: (wall seconds, peak RSS MiB, exit code)."""
    cmd = [str(ROOT / ".venv" / "bin" / "paperpanels"), "digest", SLUG]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fixtures", type=Path, default=ROOT.parent / "shared" / "fixtures")
    parser.add_argument("--runs-cached", type=int, default=2)
    args = parser.parse_args()
    if not (args.fixtures / "pdfs").is_dir():
        print(f"fixtures not found at {args.fixtures}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="pp-bench-") as tmp:
        work = Path(tmp)
        stage_papers(args.fixtures, work / "papers")
        env = {
            **os.environ,
            "PAPERPANELS_CONFERENCES_DIR": str(CONFERENCES),
            "PAPERPANELS_PAPERS_DIR": str(work / "papers"),
            "PAPERPANELS_STORE__URI": str(work / "artifacts"),
            "PREFECT_HOME": str(work / "prefect-home"),
            "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(work / "prefect-results"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
        }
        rows = [("cold", *run_digest(env))]
        rows += [(f"cached #{i + 1}", *run_digest(env)) for i in range(args.runs_cached)]

    print(f"digest of {SLUG} (the 4 fixture PDFs), one fresh process per run")
    print(f"{'run':<10} {'wall s':>8} {'peak RSS MiB':>13} {'exit':>5}")
    for name, wall, rss, code in rows:
        print(f"{name:<10} {wall:>8.2f} {rss:>13.0f} {code:>5}")
    cold = rows[0][1]
    best_cached = min(r[1] for r in rows[1:]) if rows[1:] else float("nan")
    print(f"cached / cold wall time: {best_cached / cold:.2f}")
    return 0 if all(r[3] == 0 for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
