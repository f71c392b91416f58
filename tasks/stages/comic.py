"""draw-comic: the paper's comic, by the run's script writer and panel renderer (tasks/comic/draw.py).

Stores comic.png, comic.webp, comic-mobile.webp and comic.json, and the figures cut from the PDF
(figures/fig-N.png, figures.json). The key is the renderer's and the writer's identity (model,
prompt version, tables, language), the page's, and the inputs the script draws on (summary,
figures from the PDF, numbers from the parsed paper) and what the dialogue names (title, award).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from prefect import task

from tasks import compute
from tasks.backends import Backends
from tasks.comic.draw import ComicPaper, comic_identity, comic_json, draw
from tasks.models import PaperSummary, ParsedPaper, StageResult
from tasks.stage_cache import StageKey, identity_id
from tasks.stages.common import PaperWork, cache, retry_transient, stage_key, stage_logger
from tasks.store import paper_key


def identity(run: Backends, writer: tuple[str, ...] | None = None) -> tuple[object, ...]:
    """The comic's identity as the run chose it, or with the writer that actually wrote the script."""
    return comic_identity(run.renderer, writer or run.writer.identity, run.page, run.renderer_requested)


def _comic_key(params: dict[str, Any]) -> StageKey:
    work: PaperWork = params["work"]
    run: Backends = params["run"]
    summary = work.needs(work.summary, "summary.json")
    parts = (work.conference, work.paper_id, work.entry.title, work.entry.award.value, summary.sha256)
    shas = (work.pdf.sha256 if work.pdf else None, work.parsed.sha256 if work.parsed else None)
    return stage_key("comic", params, identity(run), *parts, *shas)


@task(
    name="draw-comic",
    retries=1,
    retry_delay_seconds=10,
    retry_condition_fn=retry_transient,
    cache_policy=cache(_comic_key),
    persist_result=True,
    task_run_name="comic {work.entry.paper_id}",
)
def draw_comic(work: PaperWork, run: Backends) -> StageResult:
    """Draw the paper's comic and store it with the figures cut from its PDF."""
    store, pid = run.store, work.paper_id
    paper = ComicPaper(
        summary=PaperSummary.model_validate_json(store.get(work.needs(work.summary, "summary.json").key)),
        title=work.entry.title,
        paper_id=pid,
        award=work.entry.award,
        parsed=ParsedPaper.model_validate_json(store.get(work.parsed.key)) if work.parsed else None,
        pdf=store.get(work.pdf.key) if work.pdf else None,
    )
    # The figures and a sketch's drawing take a core (the process pool, or a core's slot here);
    # the model's script and a GPU's drawing wait here, on this thread, holding no core.
    out = draw(
        paper,
        writer=run.writer,
        renderer=run.renderer,
        page=run.page,
        notices=run.comic_notices,
        compute=partial(compute.run_cpu, run.settings),
    )
    logger = stage_logger()
    for notice in out.figures.notices:
        logger.info("%s: %s", pid, notice)
    logger.info("%s: comic drawn in %s", pid, out.meta.timings)
    if out.meta.fallback or out.meta.notices:
        logger.warning("%s: %s", pid, "; ".join(out.meta.notices) or "sketch comic")
    put = lambda name, body: store.put(paper_key(work.conference, pid, name), body)  # noqa: E731
    outputs = {
        "comic.png": put("comic.png", out.png),
        "comic.webp": put("comic.webp", out.webp),
        "comic-mobile.webp": put("comic-mobile.webp", out.mobile_webp),
        "comic.json": put("comic.json", comic_json(out.meta)),  # without timings: identical runs, same bytes
    }
    if work.pdf is not None:
        for figure in out.figures.figures:
            outputs[figure.ref.file] = put(figure.ref.file, figure.png)
        outputs["figures.json"] = put("figures.json", out.figures.index().model_dump_json(indent=2).encode())
    # What actually ran: after a rejected LLM script, the story writer's identity.
    ran = identity_id(identity(run, out.script_identity))
    return StageResult(outputs=outputs, identity=ran, stand_in=ran != identity_id(identity(run)))
