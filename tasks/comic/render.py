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

from tasks.comic.backends import (
    RENDERERS,
    SKETCH_LABEL,
    SKETCH_NOTICE,
    SKETCH_VERSION,
    RendererChoice,
    choose_panel_renderer,
)
from tasks.comic.errors import ComicError
from tasks.comic.fonts import font_in_use
from tasks.comic.layout import LayoutReport, compose_page, panel_size
from tasks.comic.script import script_from_summary
from tasks.models import ComicMeta, PaperSummary

if TYPE_CHECKING:
    from config.settings import ComicSettings

__all__ = [
    "SKETCH_LABEL",
    "SKETCH_NOTICE",
    "SKETCH_VERSION",
    "ComicError",
    "ComicOutput",
    "draw_comic",
    "draw_comic_with",
    "renderer_identity",
]

logger = logging.getLogger(__name__)

WEB_WIDTH = 1024
LAYOUT_VERSION = "layout-1"  # bump when lettering or page layout changes: it is part of cache keys


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


def renderer_identity(settings: ComicSettings) -> tuple[object, ...]:
    """Everything that decides a comic's pixels, for cache keys: the renderer chosen and the page."""
    import PIL

    choice = choose_panel_renderer(settings)
    # The requested renderer and model stay in: a fallback's notices name them in comic.json.
    return (
        *choice.renderer.identity,
        f"requested={settings.renderer}:{settings.model}",
        f"width={settings.width}",
        f"seed={settings.seed}",
        PIL.__version__,
        font_in_use(),
        LAYOUT_VERSION,
    )


def _encode(page: Image.Image) -> tuple[bytes, bytes]:
    png = io.BytesIO()
    page.save(png, format="PNG", optimize=False, compress_level=6)
    web_h = round(page.height * WEB_WIDTH / page.width)
    web = page.resize((WEB_WIDTH, web_h), Image.Resampling.LANCZOS) if page.width > WEB_WIDTH else page
    webp = io.BytesIO()
    web.save(webp, format="WEBP", quality=82, method=4)
    return png.getvalue(), webp.getvalue()


def draw_comic_with(
    choice: RendererChoice,
    summary: PaperSummary,
    *,
    paper_title: str,
    paper_id: str,
    width: int = 2048,
    base_seed: int = 0,
) -> ComicOutput:
    """Draw the comic of one paper with the chosen panel renderer."""
    # 1. Check inputs
    if not 512 <= width <= 8192:
        raise ComicError(f"comic width must be 512-8192 px, got {width} for paper {paper_id!r}")
    renderer = choice.renderer

    # 2. Script
    script = script_from_summary(summary, paper_title, panels=panel_count(summary))

    # 3. Panels
    seed = seed_for(paper_id, base_seed)
    size = panel_size(len(script.panels), width)
    try:
        panels = renderer.render_panels(script, seed=seed, size=size)
    except ComicError as exc:
        raise ComicError(f"comic for paper {paper_id!r}: {exc}") from exc
    notices = [*panels.notices, *choice.notices]

    # 4. Page: the layout cover-crops each panel to its art box and letters all the text
    started = perf_counter()
    credit = f"“{script.title}” · {paper_id} · {panels.credit_art}"
    page, report = compose_page(
        panels.images, script, credit=credit, width=width, renderer_label=panels.label
    )
    if report.uncontained():
        # The layout guarantees containment; if it ever fails, say so instead of shipping it silently.
        notices.append(f"{len(report.uncontained())} text box(es) overflowed the layout.")

    # 5. Encode
    png, webp = _encode(page)
    timings = {**panels.timings, "compose_s": round(perf_counter() - started, 3)}
    meta = ComicMeta(
        script=script,
        renderer=renderer.name,
        seed=seed,
        width=page.width,
        height=page.height,
        font=font_in_use(),
        fallback=renderer.name == "sketch",
        notices=notices,
        timings=timings,
        **panels.meta,
    )
    return ComicOutput(png=png, webp=webp, meta=meta, report=report, font=meta.font or "")


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
    """draw_comic_with the renderer chosen from these options (`diffusion`: steps, guidance, dtype...)."""
    from config.settings import ComicSettings

    if renderer not in RENDERERS:
        raise ComicError(
            f"unknown comic renderer {renderer!r} for paper {paper_id!r}; expected one of {RENDERERS}"
        )
    if not 512 <= width <= 8192:
        raise ComicError(f"comic width must be 512-8192 px, got {width} for paper {paper_id!r}")
    options = {k: v for k, v in diffusion.items() if v is not None}
    settings = ComicSettings.model_construct(
        **{**ComicSettings().model_dump(), "renderer": renderer, "model": model, "width": width, **options}
    )
    return draw_comic_with(
        choose_panel_renderer(settings), summary, paper_title=paper_title, paper_id=paper_id, width=width,
        base_seed=base_seed,
    )  # fmt: skip
