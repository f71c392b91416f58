"""Prefect tasks: one thin, typed wrapper per stage over the backends and plain functions of tasks/*.

acquire-pdf -> parse-pdf -> summarize-paper -> draw-comic. Each task takes the settings of the run
as a value (never reads a global), the stored object it works on, and returns a StageResult: what
it stored and the identity of what made it. Retries are declared on each decorator; caching is a
StoreCheckedCache whose key is the input's content, the identity of the backend chosen for this
run (the same choice the task body uses) and the store's identity. So a re-run of a finished
conference recomputes nothing, changing the comic renderer recomputes only comics, and editing a
manifest entry recomputes nothing at all (the cheap per-paper rendering happens at publish time).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from prefect import get_run_logger, task
from prefect.concurrency.sync import rate_limit
from prefect.context import TaskRunContext
from prefect.states import Completed, State
from prefect.transactions import get_transaction

from config.settings import Settings
from tasks import compute
from tasks.comic.draw import ComicPaper, PageOptions, comic_identity, comic_json, draw, requested
from tasks.comic.panels.base import PanelRenderer
from tasks.comic.panels.choice import choose_panel_renderer
from tasks.comic.script.choice import choose_script_writer
from tasks.comic.script.writers import ScriptWriter
from tasks.harvest.errors import PdfUnavailable, TransientDownloadError
from tasks.harvest.pdf import acquire_pdf_bytes, find_local_pdf, local_pdf_fingerprint, pdf_in_store
from tasks.models import AwardEntry, AwardKind, PaperSummary, ParsedPaper, StageResult, StoredObject
from tasks.stage_cache import StageKey, StoreCheckedCache, identity_id
from tasks.store import ArtifactStore, paper_key, store_for

ACQUIRE_VERSION = "3"  # 3: StageResult; 2: the PDF already in the store is used before any download
UNAVAILABLE = "Unavailable"  # the name of an acquire-pdf run's Completed state when no PDF could be had


def _store(params: dict[str, Any]) -> ArtifactStore:
    settings: Settings = params["settings"]
    return store_for(settings.store)


def _key(stage: str, params: dict[str, Any], identity: tuple[object, ...], *parts: object) -> StageKey:
    # The store's identity (URI and endpoint) is part of every key: records of one store are never
    # replayed against another, and StoreCheckedCache checks them against this one.
    ident = identity_id(identity)
    blob = json.dumps([stage, _store(params).identity, ident, *parts], sort_keys=True, default=str)
    return StageKey(key=f"paperpanels-{stage}-{hashlib.sha256(blob.encode()).hexdigest()}", identity=ident)


def _cache(stage_key: Any) -> StoreCheckedCache:
    return StoreCheckedCache(stage_key=stage_key, store_of=_store)


def _retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry network hiccups and a busy GROBID only; a missing PDF or a bad file will not fix itself."""
    from tasks.parse.errors import GrobidBusyError, GrobidTimeoutError

    exc = state.result(raise_on_failure=False)
    return isinstance(
        exc, TransientDownloadError | GrobidBusyError | GrobidTimeoutError | TimeoutError | ConnectionError
    )


# --------------------------------------------------------------------------- acquire

ACQUIRE_IDENTITY = ("acquire", ACQUIRE_VERSION)


def _acquire_key(params: dict[str, Any]) -> StageKey:
    entry: AwardEntry = params["entry"]
    settings: Settings = params["settings"]
    local = None
    if settings.harvest.papers_dir is not None:
        try:
            path = find_local_pdf(entry, settings.harvest.papers_dir)
        except PdfUnavailable as exc:  # a refused file: the task says why, the key just differs
            local = f"refused: {exc}"
        else:
            cap = int(settings.parse.max_pdf_mb * 1024 * 1024)
            local = local_pdf_fingerprint(path, cap) if path else None
    return _key(
        "acquire",
        params,
        ACQUIRE_IDENTITY,
        params["conference"],
        entry.paper_id,
        entry.pdf_urls(),
        local,
        params.get("prefer_store", True),
    )


@task(
    name="acquire-pdf",
    retries=3,
    retry_delay_seconds=[3, 10, 30],
    retry_jitter_factor=0.5,
    retry_condition_fn=_retry_transient,
    cache_policy=_cache(_acquire_key),
    persist_result=True,
    task_run_name="acquire {entry.paper_id}",
)
def acquire_pdf(
    conference: str, entry: AwardEntry, settings: Settings, prefer_store: bool = True
) -> StageResult | State[Any]:
    """Get the paper's PDF and store it as paper.pdf; a Completed state named Unavailable when none.

    Sources, in order: the papers folder (the user's own file), the PDF already in the store for
    this paper (validated; unless prefer_store is off, as with --force), then downloads.
    """
    try:
        return _acquire(conference, entry, settings, prefer_store)
    except PdfUnavailable as exc:
        if TaskRunContext.get() is None:  # called as a plain function (.fn): raised as ever
            raise
        return _unavailable(exc)


def _unavailable(exc: PdfUnavailable) -> State[Any]:
    """No PDF is an expected outcome, not a failure: one WARNING line saying why and how to supply
    it, and a state that is never cached (the next run looks again)."""
    get_run_logger().warning("PDF unavailable: %s", exc)
    if (txn := get_transaction()) is not None:
        txn.write_on_commit = False
    return Completed(name=UNAVAILABLE, message=str(exc))


def _acquire(conference: str, entry: AwardEntry, settings: Settings, prefer_store: bool) -> StageResult:
    h = settings.harvest
    store = store_for(settings.store)
    key = paper_key(conference, entry.paper_id, "paper.pdf")
    max_bytes = int(settings.parse.max_pdf_mb * 1024 * 1024)
    local = h.papers_dir is not None and find_local_pdf(entry, h.papers_dir) is not None
    result = StageResult(outputs={}, identity=identity_id(ACQUIRE_IDENTITY))
    if not local and prefer_store:
        kept = pdf_in_store(store, key, max_bytes=max_bytes)
        if kept is not None:
            get_run_logger().info("%s: using the PDF already in the store (%s)", entry.paper_id, kept.sha256)
            stored = StoredObject(key=key, sha256=kept.sha256, size=len(kept.data), written=False)
            return result.model_copy(update={"outputs": {"paper.pdf": stored}})
    if h.download and not local and entry.ids.arxiv:
        # The server-side `arxiv` rate limit (paperpanels bootstrap) spaces downloads across
        # workers; without it this is a no-op and the in-process limiter still applies.
        rate_limit("arxiv", strict=False)
    src = acquire_pdf_bytes(
        entry,
        papers_dir=h.papers_dir,
        download=h.download,
        timeout_s=h.timeout_s,
        max_bytes=max_bytes,
        user_agent=h.user_agent,
        arxiv_interval_s=h.arxiv_interval_s,
        allowed_hosts=h.allowed_hosts,
        allow_private=h.allow_private,
    )
    return result.model_copy(update={"outputs": {"paper.pdf": store.put(key, src.data)}})


# --------------------------------------------------------------------------- parse


def _parse_key(params: dict[str, Any]) -> StageKey:
    from tasks.parse.backends import choose_parser

    settings: Settings = params["settings"]
    pdf: StoredObject = params["pdf"]
    choice = choose_parser(settings.parse, settings.grobid)
    return _key("parse", params, choice.parser.identity, params["conference"], params["paper_id"], pdf.sha256)


@task(
    name="parse-pdf",
    retries=2,
    retry_delay_seconds=[10, 30],
    retry_jitter_factor=0.5,
    retry_condition_fn=_retry_transient,
    cache_policy=_cache(_parse_key),
    persist_result=True,
    task_run_name="parse {paper_id}",
)
def parse_paper(conference: str, paper_id: str, pdf: StoredObject, settings: Settings) -> StageResult:
    """Parse the stored PDF with the chosen parser into parsed.json, plus tei.xml from GROBID.

    Also writes the operator's parse report (hidden text with its words) beside them, unreleased.
    """
    from tasks.parse import backends
    from tasks.parse.hidden_passages import PARSE_REPORT, parse_report, residue_summary

    store = store_for(settings.store)
    choice = backends.choose_parser(settings.parse, settings.grobid)
    max_bytes = int(settings.parse.max_pdf_mb * 1024 * 1024)
    data, source = store.get(pdf.key), f"{paper_id}.pdf"
    # pdfium's work runs in a child process of its own, under the PDF's budget (tasks/parse/budget.py).
    outcome = backends.parse_with(choice, data, source, max_bytes=max_bytes)
    logger = get_run_logger()
    logger.info("%s: parsed by %s", paper_id, outcome.parser_used)
    for notice in outcome.notices:
        logger.warning("%s: %s", paper_id, notice)
    # The words of hidden text go to the operator's parse report in the working area only: it is
    # no output of the stage, so no release ever copies it (parsed.json never holds those words).
    store.put(paper_key(conference, paper_id, PARSE_REPORT), parse_report(outcome.parsed))
    if residue := residue_summary(outcome.parsed.hidden_text):
        logger.info("%s: %s", paper_id, residue)
    outputs = {
        "parsed.json": store.put(
            paper_key(conference, paper_id, "parsed.json"), outcome.parsed.model_dump_json(indent=2).encode()
        )
    }
    if outcome.tei is not None:
        tei = store.put(paper_key(conference, paper_id, "tei.xml"), outcome.tei.encode())
        # GROBID's TEI holds every word of the PDF, hidden text's too: released only without any.
        if outcome.parsed.hidden_text:
            logger.info("%s: tei.xml holds hidden text: kept in the working area, not released", paper_id)
        else:
            outputs["tei.xml"] = tei
    # What actually ran: after a GROBID failure in "auto", the local parser's identity.
    ran = identity_id(outcome.identity)
    grobid_meant = settings.parse.parser == "auto" and bool(settings.grobid.url)
    stand_in = ran != identity_id(choice.parser.identity) or (grobid_meant and outcome.tei is None)
    return StageResult(outputs=outputs, identity=ran, stand_in=stand_in)


# --------------------------------------------------------------------------- summarize


def _summarize_key(params: dict[str, Any]) -> StageKey:
    from tasks.summarize.backends import choose_summarizer

    settings: Settings = params["settings"]
    parsed: StoredObject = params["parsed"]
    choice = choose_summarizer(settings.llm)
    # The summarizer's identity (model, prompts, language, budget...) and the parsed paper: nothing
    # of the award entry, so editing a manifest never costs an LLM call.
    return _key("summarize", params, choice.summarizer.identity, params["conference"], parsed.sha256)


@task(
    name="summarize-paper",
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_jitter_factor=0.5,
    retry_condition_fn=_retry_transient,
    cache_policy=_cache(_summarize_key),
    persist_result=True,
    task_run_name="summarize {paper_id}",
)
def summarize_paper(conference: str, paper_id: str, parsed: StoredObject, settings: Settings) -> StageResult:
    """Write summary.json (and review.json, the LLM's full review) for one parsed paper."""
    from tasks.summarize.backends import choose_summarizer

    store = store_for(settings.store)
    paper = ParsedPaper.model_validate_json(store.get(parsed.key))
    choice = choose_summarizer(settings.llm)
    logger = get_run_logger()
    for notice in choice.notices:
        logger.warning("%s: %s", paper_id, notice)
    outcome = choice.summarizer.summarize(paper, paper_id)
    summary = outcome.summary
    if outcome.usage is not None:
        usage = outcome.usage
        cost = "unknown" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"
        logger.info(
            "%s: %s, %d+%d tokens, cost %s, faithfulness %s",
            paper_id,
            summary.generator,
            usage.input_tokens,
            usage.output_tokens,
            cost,
            summary.faithfulness,
        )
    # Never the words: the parse report has those (hidden text), the paper itself the visible ones.
    for finding in summary.injection_findings:
        logger.warning(
            "%s: possible prompt injection (%s, %s, %d characters), not obeyed",
            paper_id,
            finding.pattern,
            finding.location,
            finding.chars,
        )
    outputs = {
        "summary.json": store.put(
            paper_key(conference, paper_id, "summary.json"), summary.model_dump_json(indent=2).encode()
        )
    }
    if outcome.review is not None:
        outputs["review.json"] = store.put(
            paper_key(conference, paper_id, "review.json"), outcome.review.model_dump_json(indent=2).encode()
        )
    return StageResult(outputs=outputs, identity=identity_id(choice.summarizer.identity))


# --------------------------------------------------------------------------- comic


def _comic_backends(settings: Settings) -> tuple[PanelRenderer, ScriptWriter, PageOptions, tuple[str, ...]]:
    """The renderer, the script writer and the page this run draws with, and the notices choosing them."""
    renderer = choose_panel_renderer(settings.comic)
    writer = choose_script_writer(settings.llm)
    page = PageOptions.of(settings.comic, settings.llm.language)
    return renderer.renderer, writer.writer, page, (*renderer.notices, *writer.notices)


def _comic_identity(settings: Settings, writer: tuple[str, ...] | None = None) -> tuple[object, ...]:
    renderer, chosen, page, _ = _comic_backends(settings)
    return comic_identity(renderer, writer or chosen.identity, page, requested(settings.comic))


def _comic_key(params: dict[str, Any]) -> StageKey:
    settings: Settings = params["settings"]
    summary: StoredObject = params["summary"]
    pdf: StoredObject | None = params.get("pdf")
    parsed: StoredObject | None = params.get("parsed")
    # The renderer's and the script writer's identity (model, prompt version, tables, language), the
    # inputs the script draws on (summary, figures from the PDF, numbers from the parsed paper) and
    # what the dialogue names (title, award).
    return _key(
        "comic",
        params,
        _comic_identity(settings),
        params["conference"],
        params["paper_id"],
        params["title"],
        params.get("award"),
        summary.sha256,
        pdf.sha256 if pdf else None,
        parsed.sha256 if parsed else None,
    )


@task(
    name="draw-comic",
    retries=1,
    retry_delay_seconds=10,
    retry_condition_fn=_retry_transient,
    cache_policy=_cache(_comic_key),
    persist_result=True,
    task_run_name="comic {paper_id}",
)
def draw_comic(
    conference: str,
    paper_id: str,
    title: str,
    summary: StoredObject,
    settings: Settings,
    pdf: StoredObject | None = None,
    parsed: StoredObject | None = None,
    award: str | None = None,
) -> StageResult:
    """Draw the paper's comic and store comic.png, comic.webp, comic-mobile.webp, comic.json and its figures.

    With the PDF, the paper's figures are cut from it (figures/fig-N.png, figures.json) and the key
    one is drawn into a panel; with the parsed paper, numbers the paper never prints are refused.
    """
    store = store_for(settings.store)
    logger = get_run_logger()
    renderer, writer, page, notices = _comic_backends(settings)
    paper = ComicPaper(
        summary=PaperSummary.model_validate_json(store.get(summary.key)),
        title=title,
        paper_id=paper_id,
        award=AwardKind(award) if award else None,
        parsed=ParsedPaper.model_validate_json(store.get(parsed.key)) if parsed is not None else None,
        pdf=store.get(pdf.key) if pdf is not None else None,
    )
    # Python on a core (a sketch) goes to the process pool; a GPU's work waits here, on this thread.
    run = compute.run_cpu if renderer.runs_on == "cpu" else compute.run_here
    out = run(settings, draw, paper, writer=writer, renderer=renderer, page=page, notices=notices)
    for notice in out.figures.notices:
        logger.info("%s: %s", paper_id, notice)
    meta = out.meta
    logger.info("%s: comic drawn in %s", paper_id, meta.timings)
    if meta.fallback or meta.notices:
        logger.warning("%s: %s", paper_id, "; ".join(meta.notices) or "sketch comic")
    outputs = {
        name: store.put(paper_key(conference, paper_id, name), data)
        for name, data in (
            ("comic.png", out.png),
            ("comic.webp", out.webp),
            ("comic-mobile.webp", out.mobile_webp),
            ("comic.json", comic_json(meta)),  # without timings: identical runs, identical bytes
        )
    }
    if pdf is not None:
        for figure in out.figures.figures:
            outputs[figure.ref.file] = store.put(paper_key(conference, paper_id, figure.ref.file), figure.png)
        index = out.figures.index().model_dump_json(indent=2).encode()
        outputs["figures.json"] = store.put(paper_key(conference, paper_id, "figures.json"), index)
    # What actually ran: after a rejected LLM script, the story writer's identity.
    ran = identity_id(_comic_identity(settings, out.script_identity))
    return StageResult(outputs=outputs, identity=ran, stand_in=ran != identity_id(_comic_identity(settings)))
