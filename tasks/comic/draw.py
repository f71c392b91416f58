"""Draw a paper's comic: the one entry point the comic stage and `paperpanels comic` both call.

A comic is made in three rooms, in order: the script (tasks/comic/script/: a writer turns the
paper's brief — verified claims, figures, title, award — into panels of scene, caption and
dialogue, checked), the panels (tasks/comic/panels/: a renderer draws one picture per panel) and
the page (tasks/comic/page/: figures cut from the PDF, the wide page and the phone page lettered,
then encoded as PNG and WebP). The writer and the renderer are handed in, chosen once per run.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from time import perf_counter
from typing import TYPE_CHECKING, Any, TypeVar

from PIL import Image

from config.settings import ComicSettings, Settings
from tasks.comic.errors import ComicError
from tasks.comic.page.figures import EXTRACTOR_VERSION, FigureSet, extract_figures
from tasks.comic.page.fonts import font_in_use
from tasks.comic.page.layout import compose_page, panel_size
from tasks.comic.page.lettering import LayoutReport
from tasks.comic.page.mobile import compose_mobile
from tasks.comic.panels.base import PanelRenderer, Panels
from tasks.comic.panels.choice import RENDERERS, choose_panel_renderer
from tasks.comic.script.brief import brief_for
from tasks.comic.script.checks import script_problems
from tasks.comic.script.text_version import comic_text
from tasks.comic.script.writers import ScriptOutcome, ScriptWriter, StoryWriter
from tasks.models import AwardKind, ComicMeta, ComicScript, PaperSummary, ParsedPaper

if TYPE_CHECKING:
    from config.settings import ComicSettings

logger = logging.getLogger(__name__)
T = TypeVar("T")

WEB_WIDTH = 1024
# Bump when lettering or page layout changes: it is part of cache keys.
LAYOUT_VERSION = "layout-2"  # 2: figure boards, number callouts, the phone page
META_VERSION = "meta-2"  # comic.json's contents; 2: the comic as text. Part of cache keys.
PNG_LEVEL = 3  # zlib level: level 6 takes 40% longer for a file ~20% smaller; below 3 gains nothing
WEBP_QUALITY, WEBP_METHOD = 82, 0  # method 0 of 0-6: a third of method 4's time, files ~20% larger


@dataclass(frozen=True)
class ComicPaper:
    """One paper as its comic reads it: plain, picklable values (a worker process can draw it)."""

    summary: PaperSummary
    title: str
    paper_id: str
    award: AwardKind | None = None
    parsed: ParsedPaper | None = None  # numbers the paper never prints are refused
    pdf: bytes | None = None  # its figures are cut from it


@dataclass(frozen=True)
class PageOptions:
    """What shapes the page beyond the script and the panels."""

    width: int = 2048
    base_seed: int = 0
    panels: int | None = None  # 3-6; None: as many as the verified claims carry
    language: str = "English"

    @classmethod
    def of(cls, settings: ComicSettings, language: str = "English") -> PageOptions:
        return cls(width=settings.width, base_seed=settings.seed, panels=settings.panels, language=language)

    def identity(self) -> tuple[str, ...]:
        import PIL

        return (
            f"width={self.width}",
            f"seed={self.base_seed}",
            f"panels={self.panels}",
            PIL.__version__,
            font_in_use(),
            LAYOUT_VERSION,
            f"encode=png{PNG_LEVEL},webp{WEBP_QUALITY}m{WEBP_METHOD}",
        )


@dataclass(frozen=True)
class ComicOutput:
    """A finished comic: page PNG, web-size WebP, phone WebP, comic.json's metadata, the figures cut."""

    png: bytes
    webp: bytes
    meta: ComicMeta
    report: LayoutReport
    font: str
    mobile_webp: bytes = b""
    mobile_report: LayoutReport | None = None
    script_identity: tuple[str, ...] = field(default=())  # the writer that actually wrote the script
    figures: FigureSet = field(default_factory=lambda: FigureSet(figures=[], notices=[]))


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


def comic_identity(
    renderer: PanelRenderer, writer: tuple[str, ...], page: PageOptions, requested: str = ""
) -> tuple[object, ...]:
    """Everything that decides a comic: the renderer, the page, the script writer, the figure cutter,
    what comic.json holds.

    `requested` names the renderer and model the settings asked for: a stand-in's notices name them.
    """
    return (*renderer.identity, requested, *page.identity(), *writer, EXTRACTOR_VERSION, META_VERSION)


def renderer_identity(settings: ComicSettings) -> tuple[object, ...]:
    """The identity of the renderer these settings choose, with the page's (tests and benches)."""
    renderer = choose_panel_renderer(settings).renderer
    return (*renderer.identity, requested(settings), *PageOptions.of(settings).identity())


def requested(settings: ComicSettings) -> str:
    """The renderer and model the settings ask for (a stand-in's notices in comic.json name them)."""
    return f"requested={settings.renderer}:{settings.model}"


def here(fn: Callable[..., T], *args: Any) -> T:
    return fn(*args)


def draw(
    paper: ComicPaper,
    *,
    writer: ScriptWriter,
    renderer: PanelRenderer,
    page: PageOptions,
    notices: tuple[str, ...] = (),
    compute: Callable[..., Any] = here,
) -> ComicOutput:
    """The paper's comic, written by `writer` and drawn by `renderer`; `notices` (from choosing them)
    are told to the reader with the comic's own. `compute(fn, *args)` runs the computing parts (the
    figures, a CPU renderer's drawing and the pages) where computing belongs (a core's slot, a worker
    process); the script (a model's call) and a GPU's drawing wait here."""
    # 1. Check inputs
    if not 512 <= page.width <= 8192:
        raise ComicError(f"comic width must be 512-8192 px, got {page.width} for paper {paper.paper_id!r}")
    figures: FigureSet = compute(_figures, paper)

    # 2. Script, from verified claims only
    started = perf_counter()
    written = _script(paper, writer, figures, page)
    script_s = perf_counter() - started

    # 3. Panels, 4. pages: computing, unless the GPU draws
    picture = compute if renderer.runs_on == "cpu" else here
    without_pdf = replace(paper, pdf=None)  # the figures are cut: the PDF is not sent again
    out: ComicOutput = picture(_picture, without_pdf, written, figures, renderer, page, (notices, script_s))
    return out


def _picture(
    paper: ComicPaper,
    written: ScriptOutcome,
    figures: FigureSet,
    renderer: PanelRenderer,
    page: PageOptions,
    told: tuple[tuple[str, ...], float],
) -> ComicOutput:
    """The panels drawn and the pages lettered and encoded, from the written script."""
    notices, script_s = told
    script = written.script
    seed = seed_for(paper.paper_id, page.base_seed)
    drawn = _panels(paper, script, renderer, seed, page)

    # 4. Pages, lettered, then encoded
    shown = {p.figure for p in script.panels if p.figure is not None}
    images = {f.ref.number: f.image() for f in figures.figures if f.ref.number in shown}
    credit = f"“{script.title}” · {paper.paper_id} · {drawn.credit_art}"
    pages = _pages(drawn, script, images, credit=credit, width=page.width)
    meta = ComicMeta(
        script=script,
        renderer=renderer.name,
        seed=seed,
        width=pages.width,
        height=pages.height,
        font=font_in_use(),
        fallback=drawn.fallback,
        notices=list(dict.fromkeys([*drawn.notices, *notices, *written.notices, *pages.notices])),
        timings={**drawn.timings, "script_s": round(script_s, 3), **pages.timings},
        writer=script.writer,
        usage=written.usage,
        mobile_size=pages.mobile_size,
        figures=sorted(images),
        text=comic_text(script, [f.ref for f in figures.figures]),
        **dict(drawn.meta),
    )
    return ComicOutput(
        png=pages.png,
        webp=pages.webp,
        meta=meta,
        report=pages.report,
        font=meta.font or "",
        mobile_webp=pages.mobile_webp,
        mobile_report=pages.mobile_report,
        script_identity=written.identity,
        figures=figures,
    )


def _figures(paper: ComicPaper) -> FigureSet:
    if paper.pdf is None:
        return FigureSet(figures=[], notices=[])
    captions = paper.parsed.captions if paper.parsed else ()
    return extract_figures(paper.pdf, source=f"{paper.paper_id}/paper.pdf", captions=captions)


def _script(paper: ComicPaper, writer: ScriptWriter, figures: FigureSet, page: PageOptions) -> ScriptOutcome:
    brief = brief_for(
        paper.summary,
        paper.title,
        award=paper.award,
        figures=[f.ref for f in figures.figures],
        parsed=paper.parsed,
        language=page.language,
    )
    written = writer.write(brief, panels=page.panels, paper_id=paper.paper_id)
    if problems := script_problems(written.script, brief):
        # The writers check their scripts; this says so if a rule is ever missed, it does not hide it.
        logger.warning(
            "comic script for %s breaks %d rule(s): %s", paper.paper_id, len(problems), problems[:3]
        )
        note = f"The comic script breaks {len(problems)} rule(s): {'; '.join(problems[:2])}"
        written = replace(written, notices=[*written.notices, note])
    return written


def _panels(
    paper: ComicPaper, script: ComicScript, renderer: PanelRenderer, seed: int, page: PageOptions
) -> Panels:
    """One picture per panel, drawn at its final size on the page."""
    try:
        return renderer.render_panels(script, seed=seed, size=panel_size(len(script.panels), page.width))
    except ComicError as exc:
        raise ComicError(f"comic for paper {paper.paper_id!r}: {exc}") from exc


@dataclass
class _Pages:
    png: bytes
    webp: bytes
    mobile_webp: bytes
    width: int
    height: int
    mobile_size: tuple[int, int]
    report: LayoutReport
    mobile_report: LayoutReport
    timings: dict[str, float]
    notices: list[str]


def _pages(
    drawn: Panels, script: ComicScript, figures: dict[int, Image.Image], *, credit: str, width: int
) -> _Pages:
    """The wide page (PNG, web WebP) and the phone page (WebP): laid out, lettered, encoded."""
    started = perf_counter()
    page, report = compose_page(
        drawn.images, script, credit=credit, width=width, renderer_label=drawn.label, figures=figures
    )
    compose_s = perf_counter() - started
    started = perf_counter()
    mobile, mobile_report = compose_mobile(
        drawn.images, script, credit=credit, renderer_label=drawn.label, figures=figures
    )
    mobile_s = perf_counter() - started
    notices = [
        # The layout guarantees containment; if it ever fails, say so instead of shipping it silently.
        f"{len(rep.uncontained())} text box(es) overflowed the {name} layout."
        for name, rep in (("page", report), ("phone page", mobile_report))
        if rep.uncontained()
    ]
    started = perf_counter()
    png, webp = _encode(page)
    encode_s = perf_counter() - started
    started = perf_counter()
    phone = io.BytesIO()
    mobile.save(phone, format="WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    timings = {
        "compose_s": round(compose_s, 3),
        "encode_s": round(encode_s, 3),
        "mobile_s": round(mobile_s + perf_counter() - started, 3),  # the phone page, laid out and encoded
    }
    return _Pages(
        png,
        webp,
        phone.getvalue(),
        page.width,
        page.height,
        mobile.size,
        report,
        mobile_report,
        timings,
        notices,
    )


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
    parsed: ParsedPaper | None = None,
    panels: int | None = None,
    **diffusion: Any,
) -> ComicOutput:
    """One call for scripts and benches: `draw` with the story writer and the renderer these options
    choose (`diffusion`: steps, guidance, dtype...)."""
    if renderer not in RENDERERS:
        raise ComicError(
            f"unknown comic renderer {renderer!r} for paper {paper_id!r}; expected one of {RENDERERS}"
        )
    options = {k: v for k, v in diffusion.items() if v is not None}
    comic = ComicSettings.model_construct(
        **{**ComicSettings().model_dump(), "renderer": renderer, "model": model, "width": width, **options}
    )
    # Unvalidated on purpose: a bad width is the page's error (ComicError), as in a run.
    choice = choose_panel_renderer(Settings.model_construct(comic=comic))
    for notice in (*choice.notices, *choice.logged):  # a run says these once (flows/paper.py)
        logger.warning("%s", notice)
    paper = ComicPaper(summary=summary, title=paper_title, paper_id=paper_id, award=award, parsed=parsed)
    page = PageOptions(width=width, base_seed=base_seed, panels=panels)
    return draw(
        paper, writer=StoryWriter(), renderer=choice.renderer, page=page, notices=tuple(choice.notices)
    )
