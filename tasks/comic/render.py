"""Draw a paper's comic: script, panels, lettered pages, PNG + WebP (wide and phone) and comic.json.

The script comes from the writer chosen once (an LLM, or the content-aware story writer) out of the
paper's brief: verified claims, its figures, title and award. Two panel renderers: "diffusion" (a
local diffusers model, tasks/comic/diffusion.py) and "sketch" (Pillow drawings, no model). "auto"
picks diffusion when a model is configured and usable here (a CUDA GPU, or a local model folder),
else the sketch renderer with a visible label and a notice. The panels are drawn once and laid out
twice: the wide page (comic.png, comic.webp) and one column for phones (comic-mobile.webp).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
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
from tasks.comic.brief import brief_for
from tasks.comic.checks import script_problems
from tasks.comic.errors import ComicError
from tasks.comic.figures import EXTRACTOR_VERSION, FigureSet
from tasks.comic.fonts import font_in_use
from tasks.comic.layout import LayoutReport, compose_page, panel_size
from tasks.comic.mobile import compose_mobile
from tasks.comic.writers import StoryWriter, WriterChoice, choose_script_writer
from tasks.models import AwardKind, ComicMeta, PaperSummary, ParsedPaper

if TYPE_CHECKING:
    from config.settings import ComicSettings, Settings

__all__ = [
    "SKETCH_LABEL",
    "SKETCH_NOTICE",
    "SKETCH_VERSION",
    "ComicError",
    "ComicOutput",
    "comic_identity",
    "draw_comic",
    "draw_comic_with",
    "renderer_identity",
]

logger = logging.getLogger(__name__)

WEB_WIDTH = 1024
# Bump when lettering or page layout changes: it is part of cache keys.
LAYOUT_VERSION = "layout-2"  # 2: figure boards, number callouts, the phone page
PNG_LEVEL = 3  # zlib level: level 6 takes 40% longer for a file ~20% smaller; below 3 gains nothing
WEBP_QUALITY, WEBP_METHOD = 82, 0  # method 0 of 0-6: a third of method 4's time, files ~20% larger


@dataclass(frozen=True)
class ComicOutput:
    """A finished comic: page PNG, web-size WebP, phone WebP, comic.json's metadata, layout reports."""

    png: bytes
    webp: bytes
    meta: ComicMeta
    report: LayoutReport
    font: str
    mobile_webp: bytes = b""
    mobile_report: LayoutReport | None = None
    script_identity: tuple[str, ...] = field(default=())  # the writer that actually wrote the script


def comic_json(meta: ComicMeta) -> bytes:
    """comic.json as stored: everything but the timings.

    Timings differ between two identical runs; in the stored bytes they would make a comic drawn
    twice from the same inputs two different objects, and a release being published from the
    first one would see its object change under it. They go to the log instead.
    """
    return meta.model_dump_json(indent=2, exclude={"timings"}).encode()


def seed_for(paper_id: str, base_seed: int = 0) -> int:
    """A stable 31-bit seed per paper (sha256, unlike hash() which is salted per process)."""
    digest = hashlib.sha256(f"{base_seed}:{paper_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


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
        f"panels={settings.panels}",
        PIL.__version__,
        font_in_use(),
        LAYOUT_VERSION,
        f"encode=png{PNG_LEVEL},webp{WEBP_QUALITY}m{WEBP_METHOD}",
    )


def comic_identity(settings: Settings, writer: tuple[str, ...] | None = None) -> tuple[object, ...]:
    """The comic's whole identity: the renderer's, the script writer's (the chosen one by default), figures'.

    `writer` is the identity of the writer that actually wrote the script, when it is known.
    """
    if writer is None:
        writer = choose_script_writer(settings.llm).writer.identity
    return (*renderer_identity(settings.comic), *writer, EXTRACTOR_VERSION)


def _encode(page: Image.Image) -> tuple[bytes, bytes]:
    png = io.BytesIO()
    page.save(png, format="PNG", compress_level=PNG_LEVEL)
    if page.width == 2 * WEB_WIDTH:
        # The default page is exactly twice the web width: averaging 2x2 blocks is a proper
        # antialiased shrink at a fraction of LANCZOS's cost.
        web = page.reduce(2)
    elif page.width > WEB_WIDTH:
        size = (WEB_WIDTH, round(page.height * WEB_WIDTH / page.width))
        web = page.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    else:
        web = page
    webp = io.BytesIO()
    web.save(webp, format="WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    return png.getvalue(), webp.getvalue()


def draw_comic_with(
    choice: RendererChoice,
    summary: PaperSummary,
    *,
    paper_title: str,
    paper_id: str,
    width: int = 2048,
    base_seed: int = 0,
    writer: WriterChoice | None = None,
    award: AwardKind | None = None,
    figures: FigureSet | None = None,
    parsed: ParsedPaper | None = None,
    panels: int | None = None,
    language: str = "English",
) -> ComicOutput:
    """Draw the comic of one paper with the chosen writer (the story writer by default) and renderer."""
    # 1. Check inputs
    if not 512 <= width <= 8192:
        raise ComicError(f"comic width must be 512-8192 px, got {width} for paper {paper_id!r}")
    renderer = choice.renderer
    writer = writer or WriterChoice(StoryWriter())
    figures = figures or FigureSet(figures=[], notices=[])

    # 2. Script, from verified claims only
    started = perf_counter()
    brief = brief_for(
        summary,
        paper_title,
        award=award,
        figures=[f.ref for f in figures.figures],
        parsed=parsed,
        language=language,
    )
    written = writer.writer.write(brief, panels=panels, paper_id=paper_id)
    script = written.script
    notices = [*writer.notices, *written.notices]
    if problems := script_problems(script, brief):
        # The writers check their scripts; this says so if a rule is ever missed, it does not hide it.
        logger.warning("comic script for %s breaks %d rule(s): %s", paper_id, len(problems), problems[:3])
        notices.append(f"The comic script breaks {len(problems)} rule(s): {'; '.join(problems[:2])}")
    script_s = perf_counter() - started

    # 3. Panels
    seed = seed_for(paper_id, base_seed)
    size = panel_size(len(script.panels), width)
    try:
        drawn = renderer.render_panels(script, seed=seed, size=size)
    except ComicError as exc:
        raise ComicError(f"comic for paper {paper_id!r}: {exc}") from exc
    notices = [*drawn.notices, *choice.notices, *notices]

    # 4. Pages: the layout cover-crops each panel, shows the figures and letters all the text
    started = perf_counter()
    shown = {p.figure for p in script.panels if p.figure is not None}
    images = {f.ref.number: f.image() for f in figures.figures if f.ref.number in shown}
    credit = f"“{script.title}” · {paper_id} · {drawn.credit_art}"
    page, report = compose_page(
        drawn.images, script, credit=credit, width=width, renderer_label=drawn.label, figures=images
    )
    compose_s = perf_counter() - started
    started = perf_counter()
    mobile, mobile_report = compose_mobile(
        drawn.images, script, credit=credit, renderer_label=drawn.label, figures=images
    )
    mobile_s = perf_counter() - started
    for name, rep in (("page", report), ("phone page", mobile_report)):
        if rep.uncontained():
            # The layout guarantees containment; if it ever fails, say so instead of shipping it silently.
            notices.append(f"{len(rep.uncontained())} text box(es) overflowed the {name} layout.")

    # 5. Encode
    started = perf_counter()
    png, webp = _encode(page)
    encode_s = perf_counter() - started
    started = perf_counter()
    phone = io.BytesIO()
    mobile.save(phone, format="WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    mobile_webp = phone.getvalue()
    timings = {
        **drawn.timings,
        "script_s": round(script_s, 3),
        "compose_s": round(compose_s, 3),
        "encode_s": round(encode_s, 3),
        "mobile_s": round(mobile_s + perf_counter() - started, 3),  # the phone page, laid out and encoded
    }
    extra: dict[str, Any] = dict(drawn.meta)
    meta = ComicMeta(
        script=script,
        renderer=renderer.name,
        seed=seed,
        width=page.width,
        height=page.height,
        font=font_in_use(),
        fallback=renderer.name == "sketch",
        notices=list(dict.fromkeys(notices)),
        timings=timings,
        writer=script.writer,
        usage=written.usage,
        mobile_size=mobile.size,
        figures=sorted(images),
        **extra,
    )
    return ComicOutput(
        png=png,
        webp=webp,
        meta=meta,
        report=report,
        font=meta.font or "",
        mobile_webp=mobile_webp,
        mobile_report=mobile_report,
        script_identity=written.identity,
    )


def draw_comic(
    summary: PaperSummary,
    *,
    paper_title: str,
    paper_id: str,
    renderer: str = "auto",
    model: str | None = None,
    width: int = 2048,
    base_seed: int = 0,
    award: AwardKind | None = None,
    figures: FigureSet | None = None,
    parsed: ParsedPaper | None = None,
    panels: int | None = None,
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
        base_seed=base_seed, award=award, figures=figures, parsed=parsed, panels=panels,
    )  # fmt: skip


@dataclass(frozen=True)
class ComicWork:
    """One paper's comic as plain, picklable inputs: what a worker process needs to draw it."""

    summary: bytes  # summary.json
    parsed: bytes | None  # parsed.json
    pdf: bytes | None  # paper.pdf: its figures are cut from it
    title: str
    paper_id: str
    award: str | None
    settings: Settings


def draw_comic_work(work: ComicWork) -> tuple[ComicOutput, FigureSet]:
    """Cut the figures from the PDF and draw the page: the comic stage's computation, in any process."""
    from tasks.comic.figures import extract_figures

    paper = ParsedPaper.model_validate_json(work.parsed) if work.parsed is not None else None
    figures = FigureSet(figures=[], notices=[])
    if work.pdf is not None:
        captions = paper.captions if paper else ()
        figures = extract_figures(work.pdf, source=f"{work.paper_id}/paper.pdf", captions=captions)
    comic = work.settings.comic
    out = draw_comic_with(
        choose_panel_renderer(comic),
        PaperSummary.model_validate_json(work.summary),
        paper_title=work.title,
        paper_id=work.paper_id,
        width=comic.width,
        base_seed=comic.seed,
        writer=choose_script_writer(work.settings.llm),
        award=AwardKind(work.award) if work.award else None,
        figures=figures,
        parsed=paper,
        panels=comic.panels,
        language=work.settings.llm.language,
    )
    return out, figures
