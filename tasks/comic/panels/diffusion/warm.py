"""Warm start of the diffusion renderer: loaded once per process, sped up, guarded, drawn once.

`prepare_pipeline` is what every page goes through: the pipeline from the process cache
(diffusion.load_pipeline), with the speed options planned for this hardware applied once and checked
by the quality guard against the eager pipeline on a probe page (or by an earlier verdict kept in
the compile cache folder). `warm_up` does that at worker start and draws one production-size page,
so compiling (or loading compiled graphs from the cache volume) and autotuning happen before the
first paper: `paperpanels comic-warm-up` runs it at a GPU worker's start (compose: the one-shot
`comic-warm-up` service), and its compiled graphs and guard verdicts stay in the cache volume.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING, Any

import numpy as np

from config.settings import ComicSpeedSettings
from tasks.comic.panels.diffusion import pipeline as diffusion
from tasks.comic.panels.diffusion.pipeline import generate_images
from tasks.comic.panels.diffusion.quality import GuardReport, QualityBound, VerdictCache, guard_options
from tasks.comic.panels.diffusion.speed import (
    SpeedDecision,
    SpeedPlan,
    apply_plan,
    detect_hardware,
    plan_speed,
    use_compile_cache,
)

if TYPE_CHECKING:
    from config.settings import ComicSpeedSettings

logger = logging.getLogger(__name__)

# A probe: given the loaded pipeline, the prompts, seeds and call options of one page.
Probe = Callable[[Any], tuple[list[str], list[int], dict[str, Any]]]


@dataclass
class Prepared:
    """A pipeline ready to draw: the plan that runs, the guard's report, what preparing cost."""

    pipe: Any
    decision: SpeedDecision
    plan: SpeedPlan
    guard: GuardReport | None = None
    timings: dict[str, float] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def notice(self) -> str | None:
        """One line for comic.json naming the speed options that drew the panels (None: eager)."""
        if not self.plan.enabled():
            return None
        kept = [r for r in (self.guard.rows if self.guard else []) if r.accepted]
        quality = f"; last guard figure vs eager: PSNR {kept[-1].psnr_db:.1f} dB" if kept else ""
        return f"Speed options: {self.plan.label} on {self.decision.hardware.describe()}{quality}."


_PREPARED: dict[tuple[Any, ...], Prepared] = {}
_PREPARE_LOCK = threading.Lock()


def _versions() -> str:
    import diffusers
    import torch

    try:
        from importlib.metadata import version

        ao = version("torchao")
    except Exception:
        ao = "-"
    return f"torch {torch.__version__}, diffusers {diffusers.__version__}, torchao {ao}"


def prepare_pipeline(
    model: str,
    *,
    dtype: str = "auto",
    device: str = "auto",
    cpu_offload: bool = False,
    compile: str = "off",
    speed: ComicSpeedSettings | None = None,
    probe: Probe | None = None,
) -> Prepared:
    """The process's pipeline for `model` with the speed options that passed the quality guard.

    `speed` None runs eager (every option off). `probe(pipe)` gives the page the guard draws.
    """
    if speed is None:
        speed = ComicSpeedSettings(fused_qkv="off", fp8="off", channels_last_vae="off", attention="native")
    key = (model, dtype, device, cpu_offload, compile, speed.model_dump_json())
    with _PREPARE_LOCK:
        dev = diffusion.resolve_device(device)
        hit = _PREPARED.get(key)
        cached = diffusion.cached_pipeline(model, dtype=dtype, device=device, cpu_offload=cpu_offload)
        if hit is not None and cached is hit.pipe:
            return hit
        if any(p.pipe is cached and p.plan.enabled() for p in _PREPARED.values()):
            # Options were applied to it in place: another plan needs a freshly loaded pipeline.
            diffusion.drop_pipelines()
        _PREPARED.clear()
        if speed.cache_dir is not None:
            use_compile_cache(speed.cache_dir)
        started = perf_counter()
        pipe = diffusion.load_pipeline(model, dtype=dtype, device=device, cpu_offload=cpu_offload)
        timings = {"model_load_s": round(perf_counter() - started, 3)}
        hardware = detect_hardware(dev)
        decision = plan_speed(speed, compile, hardware)
        notices = list(decision.notices)
        plan = decision.plan
        if cpu_offload and plan.enabled():
            note = f"Speed options {plan.label} off: they do not combine with comic.cpu_offload."
            logger.warning("comic: %s", note)
            notices.append(note)
            plan = plan.only([])
        started = perf_counter()
        plan, guard = _guarded(pipe, plan, model, dtype, hardware.describe(), speed, probe)
        timings["speed_s"] = round(perf_counter() - started, 3)
        if guard is not None:
            notices.extend(guard.notices)
        prepared = Prepared(pipe, decision, plan, guard, timings, notices)
        _PREPARED[key] = prepared
        return prepared


def _guarded(
    pipe: Any,
    plan: SpeedPlan,
    model: str,
    dtype: str,
    hardware: str,
    speed: ComicSpeedSettings,
    probe: Probe | None,
) -> tuple[SpeedPlan, GuardReport | None]:
    """Apply the plan: through the guard (or its earlier verdict), or as is when the guard is off."""
    if not plan.enabled():
        return plan, None
    bound = QualityBound(speed.min_psnr_db, speed.max_abs_diff)
    if not speed.guard or probe is None:
        why = "comic.speed.guard is off" if not speed.guard else "no probe page"
        logger.warning("comic: quality guard skipped (%s): %s runs unchecked", why, plan.label)
        apply_plan(pipe, plan)
        return plan, None
    verdicts = VerdictCache(speed.cache_dir)
    key = f"{model} | {hardware} | {dtype} | {_versions()} | {plan.label} | {bound}"
    earlier = verdicts.get(key)
    if earlier is not None:
        kept, report = earlier
        plan = plan.only(kept)
        logger.info("comic: quality guard: earlier verdict for %s: %s", key, plan.label)
        apply_plan(pipe, plan)
        return plan, report

    def draw(p: Any) -> list[np.ndarray]:
        prompts, seeds, options = probe(p)
        return generate_images(p, prompts, seeds, options)

    kept_plan, report = guard_options(pipe, plan, draw, bound)
    logger.info("comic: quality guard vs eager (%s):\n%s", bound, report.table())
    verdicts.put(key, kept_plan, report)
    return kept_plan, report
