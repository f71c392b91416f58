"""Draw a paper's comic: script, panels, lettered page, PNG + web-size WebP and comic.json metadata.

This build has one panel renderer, the Pillow sketch; the diffusion renderer is a later stage and
asking for it is an error, never a silent substitute.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

from PIL import Image

from tasks.comic.fonts import font_in_use
from tasks.comic.layout import LayoutReport, compose_page, panel_size
from tasks.comic.script import script_from_summary
from tasks.comic.sketch import render_sketch_panels
from tasks.models import ComicMeta, PaperSummary

logger = logging.getLogger(__name__)

SKETCH_VERSION = "sketch-1"  # bump when sketch or layout output changes: it is part of cache keys
RENDERERS = ("auto", "sketch", "diffusion")
WEB_WIDTH = 1024
SKETCH_LABEL = "sketch renderer — no diffusion model"
SKETCH_NOTICE = (
    "Sketch renderer: no diffusion model configured; panels are simple Pillow drawings, not generated art."
)


class ComicError(Exception):
    """A comic could not be drawn (unknown or unavailable renderer, bad input)."""


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


def _check_inputs(renderer: str, paper_id: str, width: int) -> None:
    if renderer not in RENDERERS:
        raise ComicError(
            f"unknown comic renderer {renderer!r} for paper {paper_id!r}; expected one of {RENDERERS}"
        )
    if renderer == "diffusion":
        raise ComicError(
            f"comic renderer 'diffusion' requested for paper {paper_id!r}, but the diffusion renderer needs "
            "`comic.model` and a GPU and is not available in this build; use renderer 'sketch' or 'auto'"
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
) -> ComicOutput:
    """Draw the comic of one paper with the sketch renderer (the only one in this build)."""
    # 1. Check inputs
    _check_inputs(renderer, paper_id, width)
    notices = [SKETCH_NOTICE]
    if renderer == "auto":
        logger.warning(
            "comic for %s: no diffusion renderer in this build; falling back to sketch panels", paper_id
        )
    if model:
        notices.append(f"comic.model {model!r} is ignored: the sketch renderer uses no model.")

    # 2. Script
    script = script_from_summary(summary, paper_title, panels=panel_count(summary))

    # 3. Panels
    seed = seed_for(paper_id, base_seed)
    panels = render_sketch_panels(script, seed=seed, size=panel_size(len(script.panels), width))

    # 4. Page
    credit = f"“{script.title}” · {paper_id} · art: sketch renderer ({SKETCH_VERSION}), seed {seed}"
    page, report = compose_page(panels, script, credit=credit, width=width, renderer_label=SKETCH_LABEL)
    if report.uncontained():
        # The layout guarantees containment; if it ever fails, say so instead of shipping it silently.
        notices.append(f"{len(report.uncontained())} text box(es) overflowed the layout.")

    # 5. Encode
    png, webp = _encode(page)
    meta = ComicMeta(
        script=script,
        renderer="sketch",
        model=None,
        seed=seed,
        width=page.width,
        height=page.height,
        font=font_in_use(),
        fallback=True,
        notices=notices,
    )
    return ComicOutput(png=png, webp=webp, meta=meta, report=report, font=meta.font or "")
