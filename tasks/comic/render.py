"""Draw a paper's comic: script, panels, lettered page, PNG + web-size WebP and comic.json metadata.

Two panel renderers: "diffusion" (a local diffusers model, tasks/comic/diffusion.py) and "sketch"
(Pillow drawings, no model). "auto" picks diffusion when a model is configured and usable here (a
CUDA GPU, or a local model folder), else the sketch renderer with a visible label and a notice.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any

from PIL import Image

from tasks.comic.errors import ComicError
from tasks.comic.fonts import font_in_use
from tasks.comic.layout import LayoutReport, compose_page, panel_size
from tasks.comic.script import script_from_summary
from tasks.comic.sketch import render_sketch_panels
from tasks.models import ComicMeta, PaperSummary

if TYPE_CHECKING:
    from config.settings import ComicSettings

__all__ = ["ComicError", "ComicOutput", "draw_comic", "draw_comic_from_settings", "renderer_identity"]

logger = logging.getLogger(__name__)

SKETCH_VERSION = "sketch-1"  # bump when sketch or layout output changes: it is part of cache keys
DIFFUSION_VERSION = "diffusion-1"  # bump when prompts, seeding or panel sizing change
RENDERERS = ("auto", "sketch", "diffusion")
WEB_WIDTH = 1024
SKETCH_LABEL = "sketch renderer — no diffusion model"
SKETCH_NOTICE = (
    "Sketch renderer: no diffusion model configured; panels are simple Pillow drawings, not generated art."
)


@dataclass(frozen=True)
class ComicOutput:
    """A finished comic: page PNG, web-size WebP, metadata for comic.json and the layout report."""

    png: bytes
    webp: bytes
    meta: ComicMeta
    report: LayoutReport
    font: str


def seed_for(paper_id: str, base_seed: int = 0) -> int:
    """A stable 31-bit seed per paper (sha256, unlike hash() which is salted per process)."""
    digest = hashlib.sha256(f"{base_seed}:{paper_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def panel_count(summary: PaperSummary) -> int:
    """Four panels, five when the summary has enough claims to also say why the paper matters."""
    return 5 if len(summary.claims()) >= 4 else 4


def choose_renderer(renderer: str, model: str | None) -> tuple[str, str | None]:
    """The renderer that will draw ("diffusion" or "sketch") and, for a fallback, why."""
    if renderer not in RENDERERS:
        raise ComicError(f"unknown comic renderer {renderer!r}; expected one of {RENDERERS}")
    if renderer == "sketch":
        return "sketch", None
    if renderer == "diffusion":
        return "diffusion", None  # without comic.model: the default model (FLUX.1-schnell)
    if not model:
        return "sketch", "no diffusion model configured"
    # Torch is imported only here: a sketch-only run never pays for it.
    import torch

    from tasks.comic.diffusion import local_path

    # A hub model on a CPU would take minutes per panel; a local folder is the user's explicit choice.
    if torch.cuda.is_available() or local_path(model) is not None:
        return "diffusion", None
    return "sketch", f"comic.model {model!r} is not used: no CUDA GPU here and it is not a local folder"


def renderer_identity(settings: ComicSettings | Any) -> tuple[object, ...]:
    """Everything that decides a comic's pixels, for cache keys: renderer, model, options, versions."""
    import PIL

    chosen, _ = choose_renderer(settings.renderer, settings.model)
    # The requested renderer and model stay in: a fallback's notices name them in comic.json.
    common = (
        chosen,
        settings.renderer,
        settings.model,
        settings.width,
        settings.seed,
        PIL.__version__,
        font_in_use(),
        SKETCH_VERSION,
    )
    if chosen == "sketch":
        return common
    import diffusers
    import torch

    from tasks.comic.diffusion import DEFAULT_MODEL, resolve_device, resolve_dtype, resolve_options
    from tasks.comic.presets import load_character, load_style, presets_digest

    model = settings.model or DEFAULT_MODEL
    _, steps, guidance = resolve_options(model, settings.steps, settings.guidance)
    device = resolve_device(settings.device)
    digest = presets_digest(load_character(settings.character), load_style(settings.style))
    return (
        *common,
        model,
        steps,
        guidance,
        str(resolve_dtype(settings.dtype, device)),
        device.split(":")[0],
        digest,
        DIFFUSION_VERSION,
        diffusers.__version__,
        torch.__version__,
    )


def _check_inputs(renderer: str, paper_id: str, width: int) -> None:
    if renderer not in RENDERERS:
        raise ComicError(
            f"unknown comic renderer {renderer!r} for paper {paper_id!r}; expected one of {RENDERERS}"
        )
    if not 512 <= width <= 8192:
        raise ComicError(f"comic width must be 512-8192 px, got {width} for paper {paper_id!r}")


def _encode(page: Image.Image) -> tuple[bytes, bytes]:
    png = io.BytesIO()
    page.save(png, format="PNG", optimize=False, compress_level=6)
    web_h = round(page.height * WEB_WIDTH / page.width)
    web = page.resize((WEB_WIDTH, web_h), Image.Resampling.LANCZOS) if page.width > WEB_WIDTH else page
    webp = io.BytesIO()
    web.save(webp, format="WEBP", quality=82, method=4)
    return png.getvalue(), webp.getvalue()


def draw_comic(
    summary: PaperSummary,
    *,
    paper_title: str,
    paper_id: str,
    renderer: str = "auto",
    model: str | None = None,
    width: int = 2048,
    base_seed: int = 0,
    **diffusion: Any,
) -> ComicOutput:
    """Draw the comic of one paper; `diffusion` holds render_panels options (steps, guidance, dtype...)."""
    # 1. Check inputs and pick the renderer
    _check_inputs(renderer, paper_id, width)
    if renderer == "diffusion" and not model:
        from tasks.comic.diffusion import DEFAULT_MODEL

        model = DEFAULT_MODEL
    try:
        chosen, why_not = choose_renderer(renderer, model)
    except ComicError as exc:
        raise ComicError(f"{exc} (paper {paper_id!r})") from exc
    notices: list[str] = []
    if chosen == "sketch":
        notices.append(SKETCH_NOTICE)
        if renderer == "auto":
            logger.warning("comic for %s: %s; falling back to sketch panels", paper_id, why_not)
        if model:
            notices.append(
                f"comic.model {model!r} is ignored: {why_not or 'the sketch renderer uses no model'}."
            )

    # 2. Script
    script = script_from_summary(summary, paper_title, panels=panel_count(summary))

    # 3. Panels
    seed = seed_for(paper_id, base_seed)
    size = panel_size(len(script.panels), width)
    extra: dict[str, Any] = {}
    if chosen == "diffusion":
        assert model is not None  # choose_renderer never picks diffusion without one
        from tasks.comic.diffusion import RenderReport, local_path, render_panels

        run = RenderReport()
        try:
            panels = render_panels(script, model=model, seed=seed, size=size, report=run, **diffusion)
        except ComicError as exc:
            raise ComicError(f"comic for paper {paper_id!r}: {exc}") from exc
        notices.extend(run.notices)
        # A local folder is credited by its name: the page is public, the server's paths are not.
        path = local_path(model)
        art = path.name if path is not None else model
        credit = f"“{script.title}” · {paper_id} · art: {art}, seed {seed}, {run.steps} steps"
        label = None
        extra = {
            "steps": run.steps,
            "guidance": run.guidance,
            "dtype": run.dtype,
            "device": run.device,
            "panel_size": run.size,
            "batch_size": run.batch_size,
            "renderer_version": DIFFUSION_VERSION,
        }
        timings = dict(run.timings)
    else:
        started = perf_counter()
        panels = render_sketch_panels(script, seed=seed, size=size)
        timings = {"generate_s": round(perf_counter() - started, 3)}
        credit = f"“{script.title}” · {paper_id} · art: sketch renderer ({SKETCH_VERSION}), seed {seed}"
        label = SKETCH_LABEL
        extra = {"renderer_version": SKETCH_VERSION}

    # 4. Page: the layout cover-crops each panel to its art box and letters all the text
    started = perf_counter()
    page, report = compose_page(panels, script, credit=credit, width=width, renderer_label=label)
    if report.uncontained():
        # The layout guarantees containment; if it ever fails, say so instead of shipping it silently.
        notices.append(f"{len(report.uncontained())} text box(es) overflowed the layout.")

    # 5. Encode
    png, webp = _encode(page)
    timings["compose_s"] = round(perf_counter() - started, 3)
    meta = ComicMeta(
        script=script,
        renderer=chosen,
        model=model if chosen == "diffusion" else None,
        seed=seed,
        width=page.width,
        height=page.height,
        font=font_in_use(),
        fallback=chosen == "sketch",
        notices=notices,
        timings=timings,
        **extra,
    )
    return ComicOutput(png=png, webp=webp, meta=meta, report=report, font=meta.font or "")


def draw_comic_from_settings(
    summary: PaperSummary, *, paper_title: str, paper_id: str, settings: ComicSettings
) -> ComicOutput:
    """draw_comic with every option taken from the comic settings."""
    return draw_comic(
        summary,
        paper_title=paper_title,
        paper_id=paper_id,
        renderer=settings.renderer,
        model=settings.model,
        width=settings.width,
        base_seed=settings.seed,
        steps=settings.steps,
        guidance=settings.guidance,
        dtype=settings.dtype,
        device=settings.device,
        character=settings.character,
        style=settings.style,
        compile=settings.compile,
        cpu_offload=settings.cpu_offload,
    )
