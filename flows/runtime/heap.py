"""A process's long-lived objects out of the garbage collector's way.

A flow-run process holds millions of objects from what it imported and built before its papers start
(Prefect, pydantic, LangChain, the settings, the backends) that live as long as the process, and every
full collection of Python's cyclic garbage collector walked all of them again: 12 % of a digest
process's CPU went to collecting (1.9 of 15.0 CPU-s, 10 papers, gc.callbacks; 1.1 of 13.7 with the
heap settled, one run each). Collected once and then frozen (gc.freeze), they are left alone: later
collections walk what the stages make. The test processes settle theirs too (tests/conftest.py).

A frozen object is never collected; each was alive when frozen, and one that dies later in a
reference cycle stays until the process ends. So the heap is settled again only when the process has
imported more since (what imports build lives as long as the process): a second digest run in the
same process (a backfill, `watch --here`), or one beside another in a thread, freezes nothing of the
other's papers.
"""

from __future__ import annotations

import gc
import sys

_SETTLED_AT = [0]  # how many modules were imported when the heap was last settled


def settle_heap() -> None:
    """Collect the garbage there is, then freeze what is alive, if the process imported more since
    the last time (else nothing: what is alive now is a run's, not the process's)."""
    if len(sys.modules) > _SETTLED_AT[0]:
        gc.collect()
        gc.freeze()
        _SETTLED_AT[0] = len(sys.modules)
