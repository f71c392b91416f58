"""The quality guard: a speed option may not change the picture beyond a bound.

The guard draws a probe page (the same prompts and seeds) with the eager pipeline as loaded
(bf16 on a GPU), then applies the planned options one at a time in order, drawing the page again
after each. Each result is compared with the eager page (PSNR and largest pixel difference of the
decoded images, in 0-1 units); an option that takes the page beyond the bound, or makes a NaN, is
undone and refused with a loud warning. Verdicts are kept in a small JSON file (in the compile cache
folder) keyed by model, hardware and library versions, so a new worker does not redraw the probes.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np

from tasks.comic.panels.diffusion.speed import SpeedOptionError, SpeedPlan, apply_option

logger = logging.getLogger(__name__)

GUARD_FILE = "quality-guard.json"


@dataclass(frozen=True)
class QualityFigure:
    """How far a page is from the reference: PSNR in dB (inf when identical), largest pixel step."""

    psnr_db: float
    max_abs: float

    def __str__(self) -> str:
        psnr = "inf" if math.isinf(self.psnr_db) else f"{self.psnr_db:.1f}"
        return f"PSNR {psnr} dB, max |diff| {self.max_abs:.4f}"


def compare(reference: Sequence[np.ndarray], images: Sequence[np.ndarray]) -> QualityFigure:
    """PSNR over all panels together and the largest absolute difference (images in [0, 1])."""
    if len(reference) != len(images):
        raise ValueError(f"{len(images)} images to compare with {len(reference)} reference images")
    ref = np.stack([np.asarray(r, dtype=np.float64) for r in reference])
    got = np.stack([np.asarray(i, dtype=np.float64) for i in images])
    if ref.shape != got.shape:
        raise ValueError(f"image shapes differ: {got.shape} vs reference {ref.shape}")
    if not np.isfinite(got).all():
        return QualityFigure(psnr_db=-math.inf, max_abs=math.inf)
    diff = np.clip(got, 0.0, 1.0) - np.clip(ref, 0.0, 1.0)
    mse = float(np.mean(diff**2))
    psnr = math.inf if mse == 0.0 else 10.0 * math.log10(1.0 / mse)
    return QualityFigure(psnr_db=psnr, max_abs=float(np.abs(diff).max()))


@dataclass(frozen=True)
class QualityBound:
    """The least PSNR and, optionally, the largest pixel difference an option may cause."""

    min_psnr_db: float = 30.0
    max_abs_diff: float | None = None

    def accepts(self, figure: QualityFigure) -> bool:
        if not figure.psnr_db >= self.min_psnr_db:  # also refuses NaN
            return False
        return self.max_abs_diff is None or figure.max_abs <= self.max_abs_diff

    def __str__(self) -> str:
        extra = f", max |diff| <= {self.max_abs_diff}" if self.max_abs_diff is not None else ""
        return f"PSNR >= {self.min_psnr_db} dB{extra}"


@dataclass
class GuardRow:
    """One option tried: the options on at that point, its figure vs eager, accepted or not."""

    option: str
    label: str  # every option on when this one was measured
    psnr_db: float
    max_abs: float
    accepted: bool
    seconds: float  # the option applied and the probe page drawn (compile time included)
    why: str = ""


@dataclass
class GuardReport:
    """The guard's rows, the plan that passed, and notices for comic.json."""

    reference_s: float = 0.0
    rows: list[GuardRow] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    from_cache: bool = False

    def table(self) -> str:
        lines = [f"{'option':<22}{'PSNR dB':>9}{'max|diff|':>11}{'s':>8}  verdict"]
        for r in self.rows:
            psnr = "inf" if math.isinf(r.psnr_db) else f"{r.psnr_db:.1f}"
            verdict = "ok" if r.accepted else f"REFUSED {r.why}"
            lines.append(f"{r.option:<22}{psnr:>9}{r.max_abs:>11.4f}{r.seconds:>8.1f}  {verdict}")
        return "\n".join(lines)


Draw = Callable[[Any], list[np.ndarray]]


def guard_options(
    pipe: Any,
    plan: SpeedPlan,
    draw: Draw,
    bound: QualityBound,
    *,
    apply: Callable[[Any, str, SpeedPlan], Callable[[], None]] = apply_option,
) -> tuple[SpeedPlan, GuardReport]:
    """Apply the plan's options one by one, keeping those whose probe page stays within the bound.

    `draw(pipe)` draws the probe page (same prompts, same seeds) as HxWx3 floats in [0, 1]. The pipe
    is eager on entry; on return it runs the returned plan. `apply` is `speed.apply_option` (an
    option with another `apply` is how the bench and the tests try other transformations).
    """
    report = GuardReport()
    started = perf_counter()
    reference = draw(pipe)
    report.reference_s = round(perf_counter() - started, 3)
    kept = plan.only([])
    for option in plan.enabled():
        trial = plan.only([*kept.enabled(), option])
        started = perf_counter()
        try:
            undo = apply(pipe, option, plan)
        except (SpeedOptionError, ImportError, NotImplementedError, RuntimeError, AssertionError) as exc:
            _refuse(report, option, trial.label, None, f"it cannot run here: {exc}", perf_counter() - started)
            continue
        try:
            figure = compare(reference, draw(pipe))
        except Exception as exc:  # a compile or kernel failure: the option goes, the worker stays
            undo()
            _refuse(report, option, trial.label, None, f"drawing failed: {exc}", perf_counter() - started)
            continue
        seconds = perf_counter() - started
        if bound.accepts(figure):
            kept = trial
            report.rows.append(
                GuardRow(option, trial.label, figure.psnr_db, figure.max_abs, True, round(seconds, 3))
            )
            logger.info("comic: quality guard: %s: %s vs eager: kept", trial.label, figure)
        else:
            undo()
            _refuse(report, option, trial.label, figure, f"{figure} vs eager, bound {bound}", seconds)
    return kept, report


def _refuse(
    report: GuardReport, option: str, label: str, figure: QualityFigure | None, why: str, seconds: float
) -> None:
    note = f"Quality guard: speed option {option} refused ({label}): {why}."
    logger.warning("comic: %s", note)
    report.notices.append(note)
    psnr, max_abs = (figure.psnr_db, figure.max_abs) if figure else (-math.inf, math.inf)
    report.rows.append(GuardRow(option, label, psnr, max_abs, False, round(seconds, 3), why))


class VerdictCache:
    """Guard verdicts on disk (JSON): key -> the options kept and the report's rows."""

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / GUARD_FILE if folder is not None else None

    def _load(self) -> dict[str, Any]:
        if self.path is None or not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            logger.warning("comic: unreadable quality-guard verdicts %s (%s); guarding again", self.path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> tuple[list[str], GuardReport] | None:
        entry = self._load().get(key)
        if not isinstance(entry, dict):
            return None
        rows = [GuardRow(**row) for row in entry.get("rows", [])]
        notices = [
            f"Quality guard (earlier verdict): {r.option} refused: {r.why}." for r in rows if not r.accepted
        ]
        return list(entry.get("kept", [])), GuardReport(rows=rows, notices=notices, from_cache=True)

    def put(self, key: str, kept: SpeedPlan, report: GuardReport) -> None:
        if self.path is None:
            return
        data = self._load()
        data[key] = {"kept": kept.enabled(), "rows": [asdict(r) for r in report.rows]}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, default=str))
        tmp.replace(self.path)  # atomic: two workers never read half a file
