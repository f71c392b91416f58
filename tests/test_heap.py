"""flows/runtime/heap.py: the heap is frozen once a process has imported more, never for a run's objects.

Checked in a fresh interpreter: in a test worker other threads import now and then (the Prefect
server's starter, xdist's), and any import between two calls rightly lets the second one freeze.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import gc, json, sys
from flows.runtime.heap import settle_heap
settle_heap()
first = gc.get_freeze_count()
papers = [{"paper": i, "text": "x" * 100} for i in range(2000)]  # a run's objects
settle_heap()
same = gc.get_freeze_count()
import paperpanels_heap_probe  # what an import builds lives as long as the process
settle_heap()
print(json.dumps([first, same, gc.get_freeze_count()]))
"""


def test_the_heap_is_settled_again_only_after_more_imports(tmp_path: Path) -> None:
    (tmp_path / "paperpanels_heap_probe.py").write_text("VALUE = [[i] for i in range(100)]\n")
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={"PYTHONPATH": f"{ROOT}:{tmp_path}", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    first, same, after_import = json.loads(done.stdout)
    assert first > 0
    assert same == first, "a run's objects were frozen: never collected again"
    assert after_import > first, "what a new import built was not frozen"
