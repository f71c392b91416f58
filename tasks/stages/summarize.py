"""summarize-paper: summary.json and review.json of one parsed paper, by the run's summarizer.

The key is the summarizer's identity (model, prompts, language, budget...) and the parsed paper:
nothing of the award entry, so editing a manifest never costs an LLM call.
"""

from __future__ import annotations

from typing import Any

from prefect import task

from tasks.backends import Backends
from tasks.models import ParsedPaper, StageResult
from tasks.stage_cache import StageKey, identity_id
from tasks.stages.common import PaperWork, cache, retry_transient, stage_key, stage_logger
from tasks.store import paper_key


def _summarize_key(params: dict[str, Any]) -> StageKey:
    work: PaperWork = params["work"]
    run: Backends = params["run"]
    parsed = work.needs(work.parsed, "parsed.json")
    return stage_key("summarize", params, run.summarizer.identity, work.conference, parsed.sha256)


@task(
    name="summarize-paper",
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_jitter_factor=0.5,
    retry_condition_fn=retry_transient,
    cache_policy=cache(_summarize_key),
    persist_result=True,
    task_run_name="summarize {work.entry.paper_id}",
)
def summarize_paper(work: PaperWork, run: Backends) -> StageResult:
    """Write summary.json and review.json for one parsed paper."""
    store, pid = run.store, work.paper_id
    paper = ParsedPaper.model_validate_json(store.get(work.needs(work.parsed, "parsed.json").key))
    outcome = run.summarizer.summarize(paper, pid)
    summary = outcome.summary
    logger = stage_logger()
    if (usage := outcome.usage) is not None:
        cost = "unknown" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"
        logger.info(
            "%s: %s, %d+%d tokens, cost %s, faithfulness %s",
            pid, summary.generator, usage.input_tokens, usage.output_tokens, cost, summary.faithfulness,
        )  # fmt: skip
    # Never the words: the parse report has those (hidden text), the paper itself the visible ones.
    for finding in summary.injection_findings:
        logger.warning(
            "%s: possible prompt injection (%s, %s, %d characters), not obeyed",
            pid, finding.pattern, finding.location, finding.chars,
        )  # fmt: skip
    body = summary.model_dump_json(indent=2).encode()
    outputs = {"summary.json": store.put(paper_key(work.conference, pid, "summary.json"), body)}
    if outcome.review is not None:
        review = outcome.review.model_dump_json(indent=2).encode()
        outputs["review.json"] = store.put(paper_key(work.conference, pid, "review.json"), review)
    return StageResult(outputs=outputs, identity=identity_id(run.summarizer.identity))
