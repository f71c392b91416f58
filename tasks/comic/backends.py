"""The panel renderer interface: a local diffusers model, or Pillow sketch panels.

`choose_panel_renderer` decides once (diffusion when a model is usable here: a CUDA GPU, or a
local model folder; else the sketch renderer, said in notices); the comic task and its cache key
use that one choice. Torch and diffusers are imported only when the diffusion renderer is chosen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING, Any, Protocol

from tasks.comic.errors import ComicError
from tasks.models import ComicScript

if TYPE_CHECKING:
    from PIL import Image

    from config.settings import ComicSettings, ComicSpeedSettings

logger = logging.getLogger(__name__)

SKETCH_VERSION = "sketch-2"  # bump when sketch or layout output changes: it is part of cache keys
# 2: motif props (tasks/comic/props.py), Pip on the left beside figures, 2x2 box downsampling
DIFFUSION_VERSION = "diffusion-2"  # bump when prompts, seeding or panel sizing change
# 2: scene first, then character and style; prompts trimmed to the text encoder's tokens
RENDERERS = ("auto", "sketch", "diffusion")
SKETCH_LABEL = "sketch renderer — no diffusion model"
SKETCH_NOTICE = (
    "Sketch renderer: no diffusion model configured; panels are simple Pillow drawings, not generated art."
)


@dataclass
class Panels:
    """What a renderer drew: one image per panel and what comic.json records about it."""

    images: list[Image.Image]
    credit_art: str  # "art: ..." part of the page's credit line
    label: str | None  # a visible label on the page (the sketch renderer's), or None
    meta: dict[str, Any] = field(default_factory=dict)  # ComicMeta fields (steps, dtype, ...)
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class PanelRenderer(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def identity(self) -> tuple[str, ...]: ...

    def render_panels(self, script: ComicScript, *, seed: int, size: tuple[int, int]) -> Panels: ...


@dataclass(frozen=True)
class SketchRenderer:
    """Pillow drawings of the mascot and simple props: no model, no GPU."""

    name: str = "sketch"

    @property
    def identity(self) -> tuple[str, ...]:
        return ("sketch", SKETCH_VERSION)

    def render_panels(self, script: ComicScript, *, seed: int, size: tuple[int, int]) -> Panels:
        from tasks.comic.sketch import render_sketch_panels

        started = perf_counter()
        images = render_sketch_panels(script, seed=seed, size=size)
        return Panels(
            images=images,
            credit_art=f"art: sketch renderer ({SKETCH_VERSION}), seed {seed}",
            label=SKETCH_LABEL,
            meta={"renderer_version": SKETCH_VERSION},
            notices=[SKETCH_NOTICE],
            timings={"generate_s": round(perf_counter() - started, 3)},
        )


@dataclass(frozen=True)
class DiffusionRenderer:
    """A diffusers text-to-image pipeline (loaded once per process), all panels in batched calls."""

    settings: ComicSettings
    model: str
    name: str = "diffusion"

    @property
    def speed(self) -> ComicSpeedSettings:
        from config.settings import ComicSpeedSettings

        speed = self.settings.speed
        # Settings made with model_construct (draw_comic's) carry the section as a plain dict.
        return speed if isinstance(speed, ComicSpeedSettings) else ComicSpeedSettings.model_validate(speed)

    def speed_identity(self) -> tuple[str, ...]:
        """The planned options that change the model's arithmetic beyond rounding: FP8 weights."""
        from tasks.comic.diffusion import resolve_device
        from tasks.comic.speed import detect_hardware, plan_speed

        hardware = detect_hardware(resolve_device(self.settings.device))
        plan = plan_speed(self.speed, self.settings.compile, hardware, announce=False).plan
        return ("quant=fp8",) if plan.fp8 else ()

    @property
    def identity(self) -> tuple[str, ...]:
        import diffusers
        import torch

        from tasks.comic.diffusion import resolve_device, resolve_dtype, resolve_options
        from tasks.comic.presets import load_character, load_style, presets_digest

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
        from tasks.comic.diffusion import RenderReport, local_path, render_panels

        s = self.settings
        run = RenderReport()
        images = render_panels(
            script,
            model=self.model,
            seed=seed,
            size=size,
            report=run,
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


@dataclass
class RendererChoice:
    renderer: PanelRenderer
    notices: list[str] = field(default_factory=list)


def choose_panel_renderer(settings: ComicSettings) -> RendererChoice:
    """comic.renderer "sketch", "diffusion" (the default model without comic.model) or "auto"."""
    if settings.renderer not in RENDERERS:
        raise ComicError(f"unknown comic renderer {settings.renderer!r}; expected one of {RENDERERS}")
    model = settings.model
    if settings.renderer == "sketch":
        notices = [f"comic.model {model!r} is ignored: the sketch renderer uses no model."] if model else []
        return RendererChoice(SketchRenderer(), notices)
    if settings.renderer == "diffusion":
        from tasks.comic.diffusion import DEFAULT_MODEL

        return RendererChoice(DiffusionRenderer(settings, model or DEFAULT_MODEL))
    if not model:
        logger.warning("comic: no diffusion model configured; drawing sketch panels")
        return RendererChoice(SketchRenderer())
    # Torch is imported only here: a sketch-only run never pays for it.
    import torch

    from tasks.comic.diffusion import local_path

    # A hub model on a CPU would take minutes per panel; a local folder is the user's explicit choice.
    if torch.cuda.is_available() or local_path(model) is not None:
        return RendererChoice(DiffusionRenderer(settings, model))
    why = f"comic.model {model!r} is not used: no CUDA GPU here and it is not a local folder"
    logger.warning("comic: %s; drawing sketch panels", why)
    return RendererChoice(SketchRenderer(), [f"{why}."])
