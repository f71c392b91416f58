"""What every backend is, whatever its kind (parser, summarizer, script writer, panel renderer): a name,
where it spends its time, and an identity — everything that changes what it makes, which every
stage's cache key names. Each kind's protocol adds its one method (tasks/parse/base.py, ...)."""

from __future__ import annotations

from typing import Literal, Protocol

# "io": waits on a service or a model (a thread); "cpu": Python on a core; "gpu": the GPU's slot.
RunsOn = Literal["io", "cpu", "gpu"]


class Backend(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def runs_on(self) -> RunsOn: ...

    @property
    def identity(self) -> tuple[str, ...]: ...
