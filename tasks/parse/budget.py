"""One PDF's budget: what its streams may decode to, and the memory and CPU time its parse may use.

Enforced in two steps, both in the worker that parses the PDF (tasks/compute.py `run_bounded`):
1. before pdfium sees the file, its streams are inflated and counted (tasks/parse/streams.py): a
   file whose content decodes past `max_decoded_mb`, or with an image declared past
   `max_image_mb`, is refused at once, saying which stream;
2. the parse then runs in a child process limited to `max_memory_mb` of address space and
   `cpu_s_base + cpu_s_per_page x pages` of CPU time (pages counted first, which is cheap), with a
   wall-clock deadline; a crash or an exhausted limit fails this paper alone.
Budgets are not part of any parser's identity: they decide whether a parse may finish, never what
it produces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from tasks import compute
from tasks.parse import streams
from tasks.parse.errors import OverBudgetPdfError

if TYPE_CHECKING:
    from config.settings import ParseSettings

T = TypeVar("T")
_MB = 1 << 20
# Wall-clock slack over the CPU budget: a child shares the cores with the rest of the run.
WALL_FACTOR, WALL_SLACK_S = 4.0, 60.0


@dataclass(frozen=True)
class PdfBudget:
    """The limits one PDF is parsed under (see the module's doc); `slots`: parses at once."""

    max_decoded_mb: float = 64.0
    max_image_mb: float = 512.0
    max_memory_mb: int = 2048
    cpu_s_base: float = 10.0
    cpu_s_per_page: float = 1.0
    max_pages: int = 200
    slots: int = 1

    @classmethod
    def of(cls, parse: ParseSettings, slots: int | None = None) -> PdfBudget:
        """The budget the parse settings give, for `slots` parses at once (default: one per core)."""
        return cls(
            max_decoded_mb=parse.max_decoded_mb,
            max_image_mb=parse.max_image_mb,
            max_memory_mb=parse.max_memory_mb,
            cpu_s_base=parse.cpu_s_base,
            cpu_s_per_page=parse.cpu_s_per_page,
            max_pages=parse.max_pages,
            slots=slots or compute.cores(),
        )

    def cpu_s(self, pages: int) -> float:
        return self.cpu_s_base + self.cpu_s_per_page * max(1, min(pages, self.max_pages))

    @property
    def limits(self) -> compute.Limits:
        # The CPU limit starts at the most any PDF may have; the child lowers it once it has counted.
        most = self.cpu_s(self.max_pages)
        return compute.Limits(self.max_memory_mb, most, WALL_FACTOR * most + WALL_SLACK_S)


def check_streams(data: bytes, source: str, budget: PdfBudget) -> streams.Footprint:
    """Measure what data's streams decode to; OverBudgetPdfError naming the stream past the budget."""
    content, image = int(budget.max_decoded_mb * _MB), int(budget.max_image_mb * _MB)
    try:
        footprint = streams.measure(data, budget=content, image_budget=image)
    except streams.OverBudget as exc:
        raise OverBudgetPdfError(
            source,
            f"{exc}: over the budget of {budget.max_decoded_mb:g} MB of decoded content "
            f"or {budget.max_image_mb:g} MB per image (a decompression bomb?); "
            "PAPERPANELS_PARSE__MAX_DECODED_MB / __MAX_IMAGE_MB raise it",
        ) from None
    return footprint


def _within(budget: PdfBudget, count_pages: Callable[[bytes, str], int], data: bytes, source: str) -> None:
    """In the child: the stream check, then the CPU budget for this many pages."""
    check_streams(data, source, budget)
    pages = count_pages(data, source)
    compute.limit_cpu(budget.cpu_s(pages))


def bounded_call(
    budget: PdfBudget,
    count_pages: Callable[[bytes, str], int],
    fn: Callable[..., T],
    data: bytes,
    source: str,
    *args: Any,
) -> T:
    """In the child: fn(data, source, *args) once data is within budget (see `parse_bounded`)."""
    _within(budget, count_pages, data, source)
    return fn(data, source, *args)


def parse_bounded(
    budget: PdfBudget,
    count_pages: Callable[[bytes, str], int],
    fn: Callable[..., T],
    data: bytes,
    source: str,
    *args: Any,
) -> T:
    """fn(data, source, *args) in a child process under budget; OverBudgetPdfError naming the limit."""
    try:
        return compute.run_bounded(
            budget.limits, bounded_call, budget, count_pages, fn, data, source, *args,
            slots=budget.slots, kind="parsing a PDF",
        )  # fmt: skip
    except compute.OverBudget as exc:
        if exc.limit == "start":
            raise OverBudgetPdfError(source, f"the parser {exc}") from None
        if exc.limit in ("cpu", "time"):
            spent = f"{budget.cpu_s_base:g} s + {budget.cpu_s_per_page:g} s per page of CPU time"
            setting = "PAPERPANELS_PARSE__CPU_S_PER_PAGE / __CPU_S_BASE raise it"
        else:
            spent, setting = (
                f"{budget.max_memory_mb} MB of memory",
                "PAPERPANELS_PARSE__MAX_MEMORY_MB raises it",
            )
        raise OverBudgetPdfError(source, f"the parser {exc} (budget: {spent}; {setting})") from None
