"""acquire-pdf: the paper's PDF into the store as paper.pdf, or the reason there is none.

Sources, in order: the papers folder (the user's own file), the PDF already in the store for this
paper (validated; not with --force), then downloads. No PDF is an outcome, not a failure: a
Completed state named Unavailable, never cached (the next run looks again).
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.concurrency.sync import rate_limit
from prefect.context import TaskRunContext
from prefect.states import Completed, State
from prefect.transactions import get_transaction

from tasks.backends import Backends
from tasks.harvest.errors import PdfUnavailable
from tasks.harvest.pdf import acquire_pdf_bytes, find_local_pdf, local_pdf_fingerprint, pdf_in_store
from tasks.models import StageResult, StoredObject
from tasks.stage_cache import StageKey, identity_id
from tasks.stages.common import PaperWork, cache, retry_transient, stage_key, stage_logger
from tasks.store import paper_key

ACQUIRE_VERSION = "3"  # 3: StageResult; 2: the PDF already in the store is used before any download
ACQUIRE_IDENTITY = ("acquire", ACQUIRE_VERSION)
UNAVAILABLE = "Unavailable"  # the name of an acquire-pdf run's Completed state when no PDF could be had


def _acquire_key(params: dict[str, Any]) -> StageKey:
    work: PaperWork = params["work"]
    run: Backends = params["run"]
    settings = run.settings
    local = None
    if settings.harvest.papers_dir is not None:
        try:
            path = find_local_pdf(work.entry, settings.harvest.papers_dir)
        except PdfUnavailable as exc:  # a refused file: the task says why, the key just differs
            local = f"refused: {exc}"
        else:
            cap = int(settings.parse.max_pdf_mb * 1024 * 1024)
            local = local_pdf_fingerprint(path, cap) if path else None
    parts = (work.conference, work.paper_id, work.entry.pdf_urls(), local, not work.force)
    return stage_key("acquire", params, ACQUIRE_IDENTITY, *parts)


@task(
    name="acquire-pdf",
    retries=3,
    retry_delay_seconds=[3, 10, 30],
    retry_jitter_factor=0.5,
    retry_condition_fn=retry_transient,
    cache_policy=cache(_acquire_key),
    persist_result=True,
    task_run_name="acquire {work.entry.paper_id}",
)
def acquire_pdf(work: PaperWork, run: Backends) -> StageResult | State[Any]:
    """Get the paper's PDF and store it as paper.pdf; a Completed state named Unavailable when none."""
    try:
        return _acquire(work, run)
    except PdfUnavailable as exc:
        if TaskRunContext.get() is None:  # called as a plain function (.fn): raised as ever
            raise
        return _unavailable(exc)


def _unavailable(exc: PdfUnavailable) -> State[Any]:
    """One WARNING line saying why and how to supply it, and a state that is never cached."""
    stage_logger().warning("PDF unavailable: %s", exc)
    if (txn := get_transaction()) is not None:
        txn.write_on_commit = False
    return Completed(name=UNAVAILABLE, message=str(exc))


def _acquire(work: PaperWork, run: Backends) -> StageResult:
    h, entry, store = run.settings.harvest, work.entry, run.store
    key = paper_key(work.conference, entry.paper_id, "paper.pdf")
    max_bytes = int(run.settings.parse.max_pdf_mb * 1024 * 1024)
    local = h.papers_dir is not None and find_local_pdf(entry, h.papers_dir) is not None
    result = StageResult(outputs={}, identity=identity_id(ACQUIRE_IDENTITY))
    if not local and not work.force:
        kept = pdf_in_store(store, key, max_bytes=max_bytes)
        if kept is not None:
            stage_logger().info("%s: using the PDF already in the store (%s)", entry.paper_id, kept.sha256)
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
