"""A comic worker's warm start: the chosen renderer loads, speeds up and guards its model and draws
one production-size page, so compiling (or loading compiled graphs from the cache volume) and
autotuning happen before the first paper. `paperpanels comic-warm-up` runs it at a GPU worker's
start (compose: the one-shot `comic-warm-up` service); its graphs and verdicts stay in the volume.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any

from tasks.comic.page.layout import panel_size
from tasks.comic.panels.base import PanelRenderer
from tasks.comic.panels.choice import choose_panel_renderer
from tasks.comic.script.story import script_from_summary
from tasks.models import Claim, ComicScript, Evidence, PaperSummary

if TYPE_CHECKING:
    from config.settings import ComicSettings

logger = logging.getLogger(__name__)


PROBE_CLAIMS = (
    "We propose a sigmoid gate after attention for large language models.",
    "We train thirty dense and mixture-of-experts models with the gate.",
    "The gate outperforms the baseline and removes the attention sink.",
    "Long-context models waste attention on the first token, a problem for extrapolation.",
    "Practitioners can adopt the gate with one line of code.",
)


def probe_script(panels: int = 4) -> ComicScript:
    """A fixed `panels`-panel script (the production script writer over fixed verified claims)."""
    claims = [Claim(text=t, evidence=[Evidence(quote=t, verified=True)]) for t in PROBE_CLAIMS]
    summary = PaperSummary(what_was_done=claims[:3], why_it_matters=claims[3:], tldr="", generator="probe")
    return script_from_summary(summary, "Gated Attention for Large Language Models", panels=panels)


@dataclass
class WarmReport:
    """What warming up cost, the options that run, and the guard's figures."""

    model: str
    plan: str
    timings: dict[str, float]
    notices: list[str]
    guard: list[dict[str, Any]]


def warm_up(settings: ComicSettings, *, panels: int = 4) -> WarmReport | None:
    """Load, speed up, guard and draw one `panels`-panel page at the production size (None: nothing
    to warm, e.g. the sketch renderer). The hook for a GPU worker's start (`paperpanels comic-warm-up`)."""
    renderer = choose_panel_renderer(settings).renderer
    started = perf_counter()
    report = renderer.warm_up(probe_script(panels), size=panel_size(panels, settings.width))
    if report is None:
        logger.info("comic: nothing to warm up: the %s renderer draws the panels", renderer.name)
        return None
    prepared = report.prepared
    timings = {**prepared.timings, **report.timings, "warm_up_s": round(perf_counter() - started, 3)}
    result = WarmReport(
        model=report_model(renderer),
        plan=prepared.plan.label,
        timings=timings,
        notices=list(report.notices),
        guard=[asdict(r) for r in (prepared.guard.rows if prepared.guard else [])],
    )
    logger.info(
        "comic: warm: %s (%s) in %.1f s: %s", result.model, result.plan, timings["warm_up_s"], timings
    )
    return result


def report_model(renderer: PanelRenderer) -> str:
    """The model a renderer draws with, as its identity names it (third field), else its name."""
    identity = renderer.identity
    return str(identity[2]) if len(identity) > 2 else renderer.name
