"""parse-pdf: the stored PDF through the run's parser into parsed.json (plus tei.xml from GROBID).

Also writes the operator's parse report (hidden text with its words) beside them: no output of the
stage, so no release ever copies it (parsed.json never holds those words).
"""

from __future__ import annotations

from typing import Any

from prefect import task

from tasks.backends import Backends
from tasks.models import StageResult
from tasks.parse.choice import parse_with
from tasks.parse.hidden_passages import PARSE_REPORT, parse_report, residue_summary
from tasks.stage_cache import StageKey, identity_id
from tasks.stages.common import PaperWork, cache, retry_transient, stage_key, stage_logger
from tasks.store import paper_key


def _parse_key(params: dict[str, Any]) -> StageKey:
    work: PaperWork = params["work"]
    run: Backends = params["run"]
    pdf = work.needs(work.pdf, "paper.pdf")
    return stage_key("parse", params, run.parser.parser.identity, work.conference, work.paper_id, pdf.sha256)


@task(
    name="parse-pdf",
    retries=2,
    retry_delay_seconds=[10, 30],
    retry_jitter_factor=0.5,
    retry_condition_fn=retry_transient,
    cache_policy=cache(_parse_key),
    persist_result=True,
    task_run_name="parse {work.entry.paper_id}",
)
def parse_paper(work: PaperWork, run: Backends) -> StageResult:
    """Parse the stored PDF with the run's parser into parsed.json, plus tei.xml from GROBID."""
    store, choice, pid = run.store, run.parser, work.paper_id
    max_bytes = int(run.settings.parse.max_pdf_mb * 1024 * 1024)
    data = store.get(work.needs(work.pdf, "paper.pdf").key)
    # pdfium's work runs in a child process of its own, under the PDF's budget (tasks/parse/budget.py).
    outcome = parse_with(choice, data, f"{pid}.pdf", max_bytes=max_bytes)
    logger = stage_logger()
    logger.info("%s: parsed by %s", pid, outcome.parser_used)
    for notice in outcome.notices:
        logger.warning("%s: %s", pid, notice)
    store.put(paper_key(work.conference, pid, PARSE_REPORT), parse_report(outcome.parsed))
    if residue := residue_summary(outcome.parsed.hidden_text):
        logger.info("%s: %s", pid, residue)
    body = outcome.parsed.model_dump_json(indent=2).encode()
    outputs = {"parsed.json": store.put(paper_key(work.conference, pid, "parsed.json"), body)}
    if outcome.tei is not None:
        tei = store.put(paper_key(work.conference, pid, "tei.xml"), outcome.tei.encode())
        # GROBID's TEI holds every word of the PDF, hidden text's too: released only without any.
        if outcome.parsed.hidden_text:
            logger.info("%s: tei.xml holds hidden text: kept in the working area, not released", pid)
        else:
            outputs["tei.xml"] = tei
    # What actually ran: after a GROBID failure in "auto", the local parser's identity; a stand-in
    # (GROBID meant but not reached, or answering 204) makes the next run try again.
    ran = identity_id(outcome.identity)
    stand_in = (
        choice.stand_in
        or ran != identity_id(choice.parser.identity)
        or outcome.parser_used != choice.parser.name
    )
    return StageResult(outputs=outputs, identity=ran, stand_in=stand_in)
