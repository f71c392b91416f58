"""A run's long-lived objects out of the garbage collector's way.

A flow-run process holds millions of objects from what it imported and built before its papers start
(Prefect, pydantic, LangChain, the settings, the backends) that live as long as the process, and every
full collection of Python's cyclic garbage collector walked all of them again: 12 % of a digest
process's CPU went to collecting (1.9 of 15.0 CPU-s, 10 papers, gc.callbacks; 1.1 of 13.7 with the
heap settled, one run each). Collected once and then frozen (gc.freeze), they are left alone: later
collections walk what the stages make. The test processes settle theirs too (tests/conftest.py).

A frozen object is never collected; each was alive when frozen, and one that dies later in a
reference cycle stays until the process ends, as a flow run's process does with its run.
"""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Collect the garbage there is, then freeze what is alive."""
    gc.collect()
    gc.freeze()
