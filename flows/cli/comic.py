"""`paperpanels comic`: one paper's comic from its summary.json or its PDF, through the pipeline's parts.

The parser, summarizer, script writer and panel renderer are chosen exactly as a digest run chooses
them, and stderr says which ran. From a PDF the paper is parsed and summarized first and its
figures are cut from it; from a summary.json, a parsed.json and paper.pdf in the same folder (a
paper's folder in the artifact store) are used when they are there.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from config.backends import choices
from flows.cli.console import EXIT_BAD_INPUT, EXIT_ERROR, err, fail, say, warn
from flows.cli.papers import is_json, parse_local_pdf, read_document
from flows.cli.runtime import load_settings
from tasks.comic.errors import ComicError
from tasks.comic.panels.choice import choose_panel_renderer
from tasks.comic.script.choice import choose_script_writer
from tasks.comic.warm_up import warm_up
from tasks.models import AwardKind, PaperSummary, ParsedPaper
from tasks.summarize.backends import choose_summarizer
from tasks.summarize.errors import SummarizeError

if TYPE_CHECKING:
    from config.settings import Settings
    from tasks.comic.draw import ComicOutput
    from tasks.comic.page.figures import FigureSet
    from tasks.comic.panels.base import PanelRenderer
    from tasks.comic.script.writers import ScriptWriter
    from tasks.models import PaperSummary, ParsedPaper


def comic(
    source: Annotated[Path, typer.Argument(help="A paper's summary.json, or its PDF")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the comic PNG")] = Path(
        "comic.png"
    ),
    renderer: Annotated[str, typer.Option(help=" | ".join(choices("renderer")))] = "auto",
    model: Annotated[str | None, typer.Option(help="diffusers model id or local folder")] = None,
    panels: Annotated[
        int | None, typer.Option(min=3, max=6, help="Panels (3-6); default: as the paper's claims carry")
    ] = None,
    title: Annotated[
        str | None, typer.Option(help="The paper's title (default: from the PDF or parsed.json)")
    ] = None,
    award: Annotated[
        str | None, typer.Option(help="The award, e.g. 'best paper', 'runner-up', 'test of time'")
    ] = None,
    width: Annotated[int | None, typer.Option(min=512, max=8192, help="Page width in px")] = None,
) -> None:
    """Draw one paper's comic; writes the PNG, its phone variant (-mobile.webp) and its comic.json."""
    # 1. Check inputs, before anything heavy is imported
    if renderer not in choices("renderer"):
        raise fail(f"--renderer {renderer!r}: choose one of {', '.join(choices('renderer'))}")
    if not source.is_file():
        raise fail(f"{source}: no such file")
    if output.suffix.lower() != ".png":
        raise fail(f"-o {output}: the comic is written as a .png file")
    kind = _award(award)
    settings = load_settings(
        {"comic.renderer": renderer, "comic.model": model, "comic.width": width, "comic.panels": panels},
        check_store=False,
    )

    # 2. The summary, the parsed paper and the PDF: from the PDF itself, or beside summary.json
    ran: list[str] = []
    summary, parsed, pdf = _inputs(source, settings, ran)

    # 3. Writer and renderer, chosen as a run chooses them
    from tasks.comic.draw import ComicPaper, PageOptions, draw

    writer, panel_renderer, notices = _choose(settings, ran)

    # 4. Draw (figures cut from the PDF, script, panels, pages) and write
    paper = ComicPaper(
        summary=summary,
        title=title or (parsed.title if parsed and parsed.title else source.stem),
        paper_id=_paper_id(source),
        award=kind,
        parsed=parsed,
        pdf=pdf.read_bytes() if pdf is not None else None,
    )
    page = PageOptions.of(settings.comic, settings.llm.language)
    try:
        with err.status(f"drawing the comic of {source.name}"):
            out = draw(paper, writer=writer, renderer=panel_renderer, page=page, notices=notices)
    except ComicError as exc:
        raise fail(f"{source}: {exc}", EXIT_ERROR) from None
    _write(out, output, pdf)


def _award(award: str | None) -> AwardKind | None:
    if award is None:
        return None
    try:
        return AwardKind(award.strip().lower())
    except ValueError:
        raise fail(f"--award {award!r}: one of {', '.join(k.value for k in AwardKind)}") from None


def _choose(settings: Settings, ran: list[str]) -> tuple[ScriptWriter, PanelRenderer, tuple[str, ...]]:
    """The script writer and the panel renderer a run would choose, and their notices; stderr says
    which, after what `ran` before them."""
    try:
        writer = choose_script_writer(settings)
        choice = choose_panel_renderer(settings.comic)
    except ComicError as exc:
        raise fail(exc) from None
    ran.append(f"script writer: {writer.writer.name} ({', '.join(writer.writer.identity[1:3])})")
    ran.append(
        f"renderer: {choice.renderer.name} ({', '.join(str(x) for x in choice.renderer.identity[1:3])})"
    )
    for line in ran:
        err.print(line, highlight=False, markup=False, soft_wrap=True)
    return writer.writer, choice.renderer, (*choice.notices, *writer.notices)


def _write(out: ComicOutput, output: Path, pdf: Path | None) -> None:
    """What was drawn, on stderr; the PNG, the phone page and comic.json written, their paths on stdout."""
    err.print(f"figures: {_figures_line(out.figures, pdf)}", highlight=False, markup=False, soft_wrap=True)
    for notice in out.figures.notices:
        warn("notice:", notice)
    for notice in out.meta.notices:
        warn("notice:", notice)
    output.parent.mkdir(parents=True, exist_ok=True)
    mobile = output.with_name(f"{output.stem}-mobile.webp")
    meta = output.with_suffix(".json")
    output.write_bytes(out.png)
    mobile.write_bytes(out.mobile_webp)
    meta.write_text(out.meta.model_dump_json(indent=2), encoding="utf-8")
    err.print(
        f"script: {out.meta.writer}, {len(out.meta.script.panels)} panels", highlight=False, markup=False
    )
    for path in (output, mobile, meta):
        say(path)


def _inputs(
    source: Path, settings: Settings, ran: list[str]
) -> tuple[PaperSummary, ParsedPaper | None, Path | None]:
    """(summary, parsed paper or None, PDF path or None); ran gets a line per stage that ran."""
    if not is_json(source):
        from_pdf = _parse(source, settings, ran)
        return _summarize(from_pdf, source, settings, ran), from_pdf, source
    summary = read_document(source, PaperSummary, "a summary.json")
    ran.append(f"summary: {summary.generator} (read from {source.name})")
    parsed: ParsedPaper | None = None
    beside = source.with_name("parsed.json")
    if beside.is_file():
        try:
            parsed = ParsedPaper.model_validate_json(beside.read_bytes())
        except ValidationError:
            warn("notice:", f"{beside} is not a parsed paper: numbers are checked against the claims only")
    pdf = source.with_name("paper.pdf")
    return summary, parsed, pdf if pdf.is_file() else None


def _parse(pdf: Path, settings: Settings, ran: list[str]) -> ParsedPaper:
    outcome = parse_local_pdf(pdf, settings)
    for notice in outcome.notices:
        warn("notice:", notice)
    ran.append(f"parser: {outcome.parser_used} {outcome.parsed.parser_version}")
    return outcome.parsed


def _summarize(parsed: ParsedPaper, source: Path, settings: Settings, ran: list[str]) -> PaperSummary:
    choice = choose_summarizer(settings)
    summarizer = choice.summarizer
    ran.append(f"summarizer: {summarizer.name} ({', '.join(summarizer.identity[1:3])})")
    for notice in choice.notices:
        warn("notice:", notice)
    try:
        with err.status(f"summarizing {source.name} ({summarizer.name})"):
            return summarizer.summarize(parsed, source.stem).summary
    except SummarizeError as exc:
        raise fail(f"{source}: {exc}", EXIT_ERROR if summarizer.name == "llm" else EXIT_BAD_INPUT) from None


def _figures_line(figures: FigureSet, pdf: Path | None) -> str:
    if pdf is None:
        return "none (no PDF given or beside the summary)"
    if not figures.figures:
        return f"none found in {pdf.name}"
    return ", ".join(f"{f.ref.label} (p. {f.ref.page})" for f in figures.figures)


def _paper_id(source: Path) -> str:
    # A summary.json in the store sits in its paper's folder; a PDF is named after the paper.
    return source.parent.name if source.name == "summary.json" else source.stem


def comic_warm_up(
    panels: Annotated[int, typer.Option(min=3, max=6, help="Panels of the warm-up page")] = 4,
) -> None:
    """Warm the comic renderer: load the model, apply and guard the speed options, draw one page.

    A GPU worker's start: compiled graphs and the quality guard's verdicts go to
    comic.speed.cache_dir (a volume), so the flow runs after it load them instead of redoing them.
    """
    import json
    from dataclasses import asdict

    settings = load_settings()
    report = warm_up(settings.comic, panels=panels)
    if report is None:
        say("nothing to warm up: the sketch renderer draws the panels (no diffusion model here)")
        return
    for notice in report.notices:
        warn("notice", notice)
    say(json.dumps(asdict(report), indent=2))


def register(app: typer.Typer) -> None:
    app.command("comic")(comic)
    app.command("comic-warm-up")(comic_warm_up)
