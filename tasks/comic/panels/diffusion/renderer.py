"""The diffusion panel renderer: a local diffusers model draws every panel of a page.

The pipeline is loaded once per process (pipeline.py), sped up and guarded once (warm.py:
prepare_pipeline), and handed to the page's batched calls here. A NaN or all-black panel is drawn
again with another seed. Torch and diffusers are imported with this module: the renderer choice
imports it only when the diffusion renderer is chosen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any

import torch
from PIL import Image

from config.settings import ComicSpeedSettings
from tasks.backend_base import RunsOn
from tasks.comic.errors import ComicError
from tasks.comic.panels.base import Panels
from tasks.comic.panels.diffusion.catalogue import DEFAULT_MODEL, ModelPreset
from tasks.comic.panels.diffusion.pipeline import (
    RenderReport,
    bad_image,
    generate_images,
    local_path,
    page_request,
    panel_seed,
    prompt_budget,
    resolve_device,
    resolve_dtype,
    resolve_options,
    to_pil,
)
from tasks.comic.panels.diffusion.presets import load_character, load_style, presets_digest
from tasks.comic.panels.diffusion.presets import negative_prompt as preset_negative
from tasks.comic.panels.diffusion.speed import detect_hardware, plan_speed
from tasks.comic.panels.diffusion.textenc import Encoded, encode_prompts
from tasks.comic.panels.diffusion.warm import Probe, prepare_pipeline
from tasks.models import ComicScript

if TYPE_CHECKING:
    from config.settings import ComicSettings, ComicSpeedSettings, Settings

logger = logging.getLogger(__name__)

DIFFUSION_VERSION = "diffusion-2"  # bump when prompts, seeding or panel sizing change
# 2: scene first, then character and style; prompts trimmed to the text encoder's tokens


@dataclass(frozen=True)
class DiffusionRenderer:
    """A diffusers text-to-image pipeline (loaded once per process), all panels in batched calls."""

    settings: ComicSettings
    model: str
    name: str = "diffusion"
    runs_on: RunsOn = "gpu"

    @property
    def speed(self) -> ComicSpeedSettings:
        speed = self.settings.speed
        # Settings made with model_construct (draw_comic's) carry the section as a plain dict.
        return speed if isinstance(speed, ComicSpeedSettings) else ComicSpeedSettings.model_validate(speed)

    @property
    def pages_in_flight(self) -> int:
        """Two on a CUDA GPU (one page's script, figures and layout while the other's panels
        denoise); one elsewhere, where the same work competes for the same cores."""
        return 2 if resolve_device(self.settings.device).startswith("cuda") else 1

    def speed_identity(self) -> tuple[str, ...]:
        """The planned options that change the model's arithmetic beyond rounding: FP8 weights."""
        hardware = detect_hardware(resolve_device(self.settings.device))
        plan = plan_speed(self.speed, self.settings.compile, hardware, announce=False).plan
        return ("quant=fp8",) if plan.fp8 else ()

    @property
    def identity(self) -> tuple[str, ...]:
        import diffusers

        s = self.settings
        _, steps, guidance = resolve_options(self.model, s.steps, s.guidance)
        device = resolve_device(s.device)
        digest = presets_digest(load_character(s.character), load_style(s.style))
        return (
            "diffusion",
            DIFFUSION_VERSION,
            self.model,
            f"steps={steps}",
            f"guidance={guidance}",
            str(resolve_dtype(s.dtype, device)),
            device.split(":")[0],
            digest,
            diffusers.__version__,
            torch.__version__,
            *self.speed_identity(),
        )

    def render_panels(self, script: ComicScript, *, seed: int, size: tuple[int, int]) -> Panels:
        run = RenderReport()
        images = self._draw(script, seed=seed, size=size, report=run)
        # A local folder is credited by its name: the page is public, the server's paths are not.
        path = local_path(self.model)
        art = path.name if path is not None else self.model
        return Panels(
            images=images,
            credit_art=f"art: {art}, seed {seed}, {run.steps} steps",
            label=None,
            meta={
                "model": self.model,
                "steps": run.steps,
                "guidance": run.guidance,
                "dtype": run.dtype,
                "device": run.device,
                "panel_size": run.size,
                "batch_size": run.batch_size,
                "renderer_version": DIFFUSION_VERSION,
            },
            notices=list(run.notices),
            timings=dict(run.timings),
        )

    def warm_up(self, script: ComicScript, *, size: tuple[int, int]) -> RenderReport:
        """Load, speed up and guard the pipeline, then draw one page (a worker's start)."""
        report = RenderReport()
        self._draw(script, seed=0, size=size, report=report)
        return report

    def _draw(
        self, script: ComicScript, *, seed: int, size: tuple[int, int], report: RenderReport
    ) -> list[Image.Image]:
        s = self.settings
        return render_panels(
            script,
            model=self.model,
            seed=seed,
            size=size,
            report=report,
            steps=s.steps,
            guidance=s.guidance,
            dtype=s.dtype,
            device=s.device,
            character=s.character,
            style=s.style,
            compile=s.compile,
            speed=self.speed,
            cpu_offload=s.cpu_offload,
        )


def render_panels(
    script: ComicScript,
    *,
    model: str,
    seed: int,
    size: tuple[int, int],
    steps: int | None = None,
    guidance: float | None = None,
    negative_prompt: str | None = None,
    character: str = "pip",
    style: str = "clean-line",
    dtype: str = "auto",
    device: str = "auto",
    compile: bool | str = False,
    speed: ComicSpeedSettings | None = None,
    cpu_offload: bool = False,
    side: int | None = None,
    batch_size: int | None = None,
    report: RenderReport | None = None,
) -> list[Image.Image]:
    """Draw every panel of the script with a diffusion model, in one batched call when memory allows.

    `size` is the panel's art size on the page (layout.panel_size): the model draws at its native
    area with that aspect. `negative_prompt` None uses the presets', "" none. A NaN or all-black
    panel is redrawn once with another seed, then it is a ComicError. `compile` ("auto", "on", "off"
    or a bool) and `speed` (settings.comic.speed; None: every option off) are the speed options,
    applied once per process and checked by the quality guard on this page (diffusion/warm.py).
    """
    report = report if report is not None else RenderReport()
    # 1. Check inputs and resolve options
    if size[0] <= 0 or size[1] <= 0:
        raise ComicError(f"panel size must be positive, got {size}")
    preset, n_steps, scale = resolve_options(model, steps, guidance)
    look = (load_character(character), load_style(style))
    negative = preset_negative(*look) if negative_prompt is None else negative_prompt
    seeds = [panel_seed(seed, i) for i in range(len(script.panels))]

    def request(p: Any) -> tuple[list[str], dict[str, Any], list[int]]:
        return page_request(p, script, preset, look, negative, size, side, n_steps, scale)

    # 2. Pipeline (loaded once per process, speed options applied and guarded on this very page)
    pipe = _prepare(
        model,
        report,
        dtype=dtype,
        device=device,
        cpu_offload=cpu_offload,
        compile=compile,
        speed=speed,
        probe=lambda p: (lambda r: (r[0], seeds, r[1]))(request(p)),
    )
    prompts, options = _prompts(pipe, request, preset, report)
    report.steps, report.guidance, report.size = n_steps, scale, (options["width"], options["height"])

    # 3. Encode the prompts, denoise all panels, then redraw any NaN / black one once with another seed
    images = _denoise(
        pipe, prompts, options, seeds, seed=seed, model=model, batch_size=batch_size, report=report
    )
    return [to_pil(image) for image in images]


def _prepare(
    model: str,
    report: RenderReport,
    *,
    dtype: str,
    device: str,
    cpu_offload: bool,
    compile: bool | str,
    speed: ComicSpeedSettings | None,
    probe: Probe,
) -> Any:
    """The process's prepared pipeline (warm.prepare_pipeline); its notices, load time, dtype and
    device go to `report`."""
    started = perf_counter()
    toggle = compile if isinstance(compile, str) else ("on" if compile else "off")
    prepared = prepare_pipeline(
        model, dtype=dtype, device=device, cpu_offload=cpu_offload, compile=toggle, speed=speed, probe=probe
    )
    report.prepared = prepared
    report.notices.extend(prepared.notices)
    if (line := prepared.notice()) is not None:
        report.notices.append(line)
    report.timings["load_s"] = round(perf_counter() - started, 3)
    dev = resolve_device(device)
    report.dtype, report.device = str(resolve_dtype(dtype, dev)).removeprefix("torch."), dev
    return prepared.pipe


def _prompts(
    pipe: Any,
    request: Callable[[Any], tuple[list[str], dict[str, Any], list[int]]],
    preset: ModelPreset,
    report: RenderReport,
) -> tuple[list[str], dict[str, Any]]:
    """The page's prompts and call options for `pipe`; prompts trimmed to fit its text encoder are told
    in `report`."""
    prompts, options, trimmed = request(pipe)
    if trimmed:
        limit = (prompt_budget(pipe, preset) or (None,))[0]
        report.notices.append(
            f"Panel prompt(s) {trimmed} trimmed from the end to the text encoder's {limit} tokens."
        )
    return prompts, options


def _denoise(
    pipe: Any,
    prompts: list[str],
    options: dict[str, Any],
    seeds: list[int],
    *,
    seed: int,
    model: str,
    batch_size: int | None,
    report: RenderReport,
) -> list[Any]:
    """The page's panels as drawn by the pipeline; a NaN or black one is redrawn once with another seed
    (from `seed`), and a second bad one is a ComicError. The time taken goes to `report`."""
    started = perf_counter()
    # The prompts are encoded outside the denoising lock: it may overlap another page's denoising.
    encoded = encode_prompts(pipe, prompts, options)
    images = generate_images(
        pipe, prompts, seeds, options, batch_size=batch_size, report=report, encoded=encoded
    )
    bad = {i: why for i, image in enumerate(images) if (why := bad_image(image))}
    if bad:
        retry = sorted(bad)
        redrawn = generate_images(
            pipe,
            [prompts[i] for i in retry],
            [panel_seed(seed, i, attempt=1) for i in retry],
            options,
            batch_size=batch_size,
            report=report,
            encoded=Encoded(encoded.select(retry), encoded.drops) if encoded is not None else None,
        )
        for i, image in zip(retry, redrawn, strict=True):
            if (why := bad_image(image)) is not None:
                raise ComicError(
                    f"comic model {model!r} drew panel {i + 1} {why} twice (seeds {seeds[i]} and "
                    f"{panel_seed(seed, i, attempt=1)}); try comic.dtype float32 or another model"
                )
            images[i] = image
        note = "Redrawn with another seed: " + ", ".join(f"panel {i + 1} ({bad[i]})" for i in retry) + "."
        logger.warning(note)
        report.notices.append(note)
    report.timings["generate_s"] = round(perf_counter() - started, 3)
    return images


def build(settings: Settings) -> DiffusionRenderer:
    """The diffusion renderer with comic.model, or the default model without one."""
    return DiffusionRenderer(settings.comic, settings.comic.model or DEFAULT_MODEL)
