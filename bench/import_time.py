"""Start-up time of the CLI's quick commands, and the heavy modules each one imports.

    .venv/bin/python bench/import_time.py                  # this tree
    .venv/bin/python bench/import_time.py --tree /tmp/old  # an older checkout, for comparison

Prints, per command, the median wall time over --repeats runs (a fresh interpreter each) and
which of LangChain, torch, diffusers, Prefect it loaded. `--help` and `show` should stay under 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
HEAVY = ("langchain_core", "langsmith", "torch", "diffusers", "transformers", "prefect", "boto3")
PROBE = (
    "import sys, json, runpy\n"
    "sys.argv = ['paperpanels', *{args}]\n"
    "try:\n"
    "    from flows.cli import main\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    "sys.stderr.write('MODULES=' + json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})) + '\\n')\n"
)
COMMANDS = [["--help"], ["show", "neurips-2025"], ["conferences"], ["config"]]


def run(tree: Path, args: list[str]) -> tuple[float, set[str]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)], cwd=tree, env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - started
    line = next((x for x in done.stderr.splitlines() if x.startswith("MODULES=")), "MODULES=[]")
    return took, set(json.loads(line.removeprefix("MODULES=")))


def main() -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--tree", type=Path, default=HERE)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"tree {args.tree}")
    for command in COMMANDS:
        times, modules = [], set()
        for _ in range(args.repeats):
            took, modules = run(args.tree, command)
            times.append(took)
        heavy = sorted(m for m in HEAVY if m in modules) or ["none"]
        label = "paperpanels " + " ".join(command)
        print(f"{label:<34} median {statistics.median(times):5.2f} s   heavy modules: {', '.join(heavy)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
