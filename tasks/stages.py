"""Prefect tasks: one thin, typed wrapper per stage over the plain functions of tasks/*.

Retries and content-keyed caching are declared on each decorator. Task inputs and outputs are
ids, small pydantic models and store keys; clients (the artifact store, models) are built inside.
Cache keys combine the input content hash, the stage's version, the settings that change the
output, and the store URI, so a re-run of a finished conference recomputes nothing and changing,
say, the comic renderer recomputes only comics.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from prefect import get_run_logger, task
from prefect.concurrency.sync import rate_limit
from prefect.context import TaskRunContext

from config.settings import get_settings
from tasks.harvest.errors import PdfUnavailable, TransientDownloadError
from tasks.harvest.pdf import acquire_pdf_bytes, find_local_pdf, local_pdf_fingerprint, pdf_in_store
from tasks.models import (
    AwardEntry,
    ComicMeta,
    PaperSummary,
    ParsedPaper,
    PdfRef,
    StoredObject,
)
from tasks.stage_cache import StoreCheckedCache
from tasks.store import paper_key, store_from_settings

ACQUIRE_VERSION = "2"  # 2: the PDF already in the store is used before any download
SUMMARY_SCHEMA = "2"  # 2: claims carry the issues (numbers not in the paper) that make them unverified


def _key(stage: str, *parts: object) -> str:
    # The store's identity (URI and endpoint) is part of every key: records of one store are never
    # replayed against another, and StoreCheckedCache checks them against this one.
    blob = json.dumps([stage, store_from_settings().identity, *parts], sort_keys=True, default=str)
    return f"paperpanels-{stage}-{hashlib.sha256(blob.encode()).hexdigest()}"


def _checked(key_fn: Any) -> StoreCheckedCache:
    return StoreCheckedCache(cache_key_fn=key_fn, store_fn=store_from_settings)


def _retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry network hiccups and a busy GROBID only; a missing PDF or a bad file will not fix itself."""
    from tasks.parse.errors import GrobidBusyError, GrobidTimeoutError

    exc = state.result(raise_on_failure=False)
    return isinstance(
        exc, TransientDownloadError | GrobidBusyError | GrobidTimeoutError | TimeoutError | ConnectionError
    )


# --------------------------------------------------------------------------- acquire


def _acquire_cache_key(context: TaskRunContext, params: dict[str, Any]) -> str:
    entry: AwardEntry = params["entry"]
    settings = get_settings()
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
        ACQUIRE_VERSION,
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
    cache_policy=_checked(_acquire_cache_key),
    persist_result=True,
    task_run_name="acquire {entry.paper_id}",
)
def acquire_pdf(conference: str, entry: AwardEntry, prefer_store: bool = True) -> PdfRef:
    """Get the paper's PDF and store it as paper.pdf.

    Sources, in order: the papers folder (the user's own file), the PDF already in the store for
    this paper (validated; unless prefer_store is off, as with --force), then downloads.
    """
    settings = get_settings()
    h = settings.harvest
    store = store_from_settings()
    key = paper_key(conference, entry.paper_id, "paper.pdf")
    max_bytes = int(settings.parse.max_pdf_mb * 1024 * 1024)
    local = h.papers_dir is not None and find_local_pdf(entry, h.papers_dir) is not None
    if not local and prefer_store:
        kept = pdf_in_store(store, key, max_bytes=max_bytes)
        if kept is not None:
            get_run_logger().info("%s: using the PDF already in the store (%s)", entry.paper_id, kept.sha256)
            return PdfRef(key=key, sha256=kept.sha256, size=len(kept.data), source=kept.source)
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
    )
    obj = store.put(key, src.data)
    return PdfRef(key=obj.key, sha256=obj.sha256, size=obj.size, source=src.source)


# --------------------------------------------------------------------------- parse


def _parse_cache_key(context: TaskRunContext, params: dict[str, Any]) -> str:
    from tasks.parse.select import parser_identity

    settings = get_settings()
    pdf: PdfRef = params["pdf"]
    return _key(
        "parse",
        parser_identity(settings),  # GROBID (url, version, options) or the local parser's version
        settings.parse.max_pages,
        params["conference"],
        params["paper_id"],
        pdf.sha256,
    )


@task(
    name="parse-pdf",
    retries=2,
    retry_delay_seconds=[10, 30],
    retry_jitter_factor=0.5,
    retry_condition_fn=_retry_transient,
    cache_policy=_checked(_parse_cache_key),
    persist_result=True,
    task_run_name="parse {paper_id}",
)
def parse_paper(conference: str, paper_id: str, pdf: PdfRef) -> dict[str, StoredObject]:
    """Parse the stored PDF (GROBID or local) into parsed.json, plus tei.xml from GROBID."""
    from tasks.parse.select import parse_pdf

    store = store_from_settings()
    outcome = parse_pdf(store.get(pdf.key), pdf.source, settings=get_settings())
    logger = get_run_logger()
    logger.info("%s: parsed by %s", paper_id, outcome.parser_used)
    for notice in outcome.notices:
        logger.warning("%s: %s", paper_id, notice)
    stored = {
        "parsed.json": store.put(
            paper_key(conference, paper_id, "parsed.json"), outcome.parsed.model_dump_json(indent=2).encode()
        )
    }
    if outcome.tei is not None:
        stored["tei.xml"] = store.put(paper_key(conference, paper_id, "tei.xml"), outcome.tei.encode())
    return stored


# --------------------------------------------------------------------------- summarize


def _summarizer_identity() -> tuple[object, ...]:
    from tasks.llm import model_identity
    from tasks.summarize.extractive import EXTRACTIVE_VERSION
    from tasks.summarize.prompts import prompt_version

    llm = get_settings().llm
    if not llm.model:
        return ("extractive", EXTRACTIVE_VERSION, SUMMARY_SCHEMA)
    # Model, prompt version, language and budget change the output; the API key does not.
    return (
        "llm",
        SUMMARY_SCHEMA,
        model_identity(llm),
        prompt_version(),
        llm.language,
        llm.context_tokens,
        llm.temperature,
    )


def _summarize_cache_key(context: TaskRunContext, params: dict[str, Any]) -> str:
    entry: AwardEntry = params["entry"]
    parsed: dict[str, StoredObject] = params["parsed"]
    return _key(
        "summarize",
        _summarizer_identity(),
        params["conference"],
        entry.model_dump(mode="json"),
        parsed["parsed.json"].sha256,
    )


@task(
    name="summarize-paper",
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_jitter_factor=0.5,
    retry_condition_fn=_retry_transient,
    cache_policy=_checked(_summarize_cache_key),
    persist_result=True,
    task_run_name="summarize {entry.paper_id}",
)
def summarize_paper(
    conference: str, entry: AwardEntry, parsed: dict[str, StoredObject]
) -> dict[str, StoredObject]:
    """Write summary.json and review.md for one parsed paper."""
    from tasks.summarize.extractive import summarize_extractive
    from tasks.summarize.llm import summarize_with_llm
    from tasks.summarize.review import review_markdown

    settings = get_settings()
    store = store_from_settings()
    paper = ParsedPaper.model_validate_json(store.get(parsed["parsed.json"].key))
    logger = get_run_logger()
    if settings.llm.model:
        # One `llm` rate-limit slot per paper across workers (created by paperpanels bootstrap).
        rate_limit("llm", strict=False)
        # A configured model that fails is an error (LLMSummarizeError), never a silent fallback.
        result = summarize_with_llm(paper, settings=settings.llm, paper_id=entry.paper_id)
        summary = result.summary
        review = review_markdown(paper, summary, entry=entry, review=result.review)
        usage = result.usage
        logger.info(
            "%s: %s, %d+%d tokens, cost %s, faithfulness %s",
            entry.paper_id,
            summary.generator,
            usage.input_tokens,
            usage.output_tokens,
            "unknown" if usage.cost_usd is None else f"${usage.cost_usd:.4f}",
            summary.faithfulness,
        )
        for finding in summary.injection_findings:
            logger.warning(
                "%s: hidden instruction in the paper (%s): %s",
                entry.paper_id,
                finding.location,
                finding.excerpt,
            )
    else:
        logger.warning(
            "%s: no LLM configured: EXTRACTIVE summary (sentences quoted from the paper)", entry.paper_id
        )
        summary = summarize_extractive(paper)
        review = review_markdown(paper, summary, entry=entry)
    pid = entry.paper_id
    return {
        "summary.json": store.put(
            paper_key(conference, pid, "summary.json"), summary.model_dump_json(indent=2).encode()
        ),
        "review.md": store.put(paper_key(conference, pid, "review.md"), review.encode()),
    }


# --------------------------------------------------------------------------- comic


def _comic_identity() -> tuple[object, ...]:
    from tasks.comic.render import renderer_identity

    # Renderer, model, steps, guidance, presets, versions of our code, Pillow, the font, torch.
    return renderer_identity(get_settings().comic)


def _comic_cache_key(context: TaskRunContext, params: dict[str, Any]) -> str:
    entry: AwardEntry = params["entry"]
    summary: dict[str, StoredObject] = params["summary"]
    return _key(
        "comic",
        _comic_identity(),
        params["conference"],
        entry.paper_id,
        entry.title,
        summary["summary.json"].sha256,
    )


@task(
    name="draw-comic",
    retries=1,
    retry_delay_seconds=10,
    retry_condition_fn=_retry_transient,
    cache_policy=_checked(_comic_cache_key),
    persist_result=True,
    task_run_name="comic {entry.paper_id}",
)
def draw_comic(
    conference: str, entry: AwardEntry, summary: dict[str, StoredObject]
) -> dict[str, StoredObject]:
    """Draw the paper's comic page and store comic.png, comic.webp and comic.json."""
    from tasks.comic.render import draw_comic_from_settings

    settings = get_settings()
    store = store_from_settings()
    paper_summary = PaperSummary.model_validate_json(store.get(summary["summary.json"].key))
    out = draw_comic_from_settings(
        paper_summary, paper_title=entry.title, paper_id=entry.paper_id, settings=settings.comic
    )
    meta: ComicMeta = out.meta
    if meta.fallback:
        get_run_logger().warning("%s: %s", entry.paper_id, "; ".join(meta.notices) or "sketch comic")
    pid = entry.paper_id
    return {
        "comic.png": store.put(paper_key(conference, pid, "comic.png"), out.png),
        "comic.webp": store.put(paper_key(conference, pid, "comic.webp"), out.webp),
        "comic.json": store.put(
            paper_key(conference, pid, "comic.json"), meta.model_dump_json(indent=2).encode()
        ),
    }
