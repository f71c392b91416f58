"""repro-card: the paper's reproducibility card (code, datasets, models, compute, badges) as repro.json.

From the parsed paper alone (its text and its pages' visible lines: no PDF is read again); the
award entry's curated links and the repositories' licences are added when the digest is published.
"""

from __future__ import annotations

from typing import Any

from prefect import task

from tasks.backends import Backends
from tasks.models import ParsedPaper, StageResult
from tasks.repro.card import EXTRACTOR, paper_card
from tasks.stage_cache import StageKey, identity_id
from tasks.stages.common import PaperWork, cache, stage_key
from tasks.store import paper_key

CARD_IDENTITY = ("repro-card", EXTRACTOR)


def _card_key(params: dict[str, Any]) -> StageKey:
    work: PaperWork = params["work"]
    parsed = work.needs(work.parsed, "parsed.json")
    return stage_key("repro", params, CARD_IDENTITY, work.conference, work.paper_id, parsed.sha256)


@task(
    name="repro-card",
    retries=1,
    retry_delay_seconds=5,
    cache_policy=cache(_card_key),
    persist_result=True,
    task_run_name="card {work.entry.paper_id}",
)
def card_paper(work: PaperWork, run: Backends) -> StageResult:
    """Read the paper's reproducibility card from its parsed text into repro.json."""
    store = run.store
    parsed = ParsedPaper.model_validate_json(store.get(work.needs(work.parsed, "parsed.json").key))
    body = paper_card(parsed).model_dump_json(indent=2).encode()
    stored = store.put(paper_key(work.conference, work.paper_id, "repro.json"), body)
    return StageResult(outputs={"repro.json": stored}, identity=identity_id(CARD_IDENTITY))
