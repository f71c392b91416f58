"""Summaries per paper: how they read (whole sentences, boilerplate, dangling openers, is the TL;DR a
finding) and how far to trust them (verified claims, unsupported numbers, tokens, cost, latency).

    .venv/bin/python bench/summary_eval.py [--pdfs DIR] [--model provider:model] [--replay]

Without a model it measures the extractive summarizer (no LLM). With a real provider, set the model
and key the way the pipeline reads them, e.g.

    PAPERPANELS_LLM__MODEL=openai:gpt-4o-mini PAPERPANELS_LLM__API_KEY=sk-... \\
        .venv/bin/python bench/summary_eval.py

(or pass --model; PAPERPANELS_LLM__BASE_URL selects an OpenAI-compatible server such as vLLM).
--replay runs the LLM path offline against the test suite's local replay server
(tests/summarize/openai_server.py): real OpenAI client, recorded answers, so the figures measure
our pipeline (context, grounding, accounting), not a model. PDFs default to every real PDF in
../shared/fixtures (pdfs/ and corpus/pdfs/).

Columns: "whole" is quoted sentences that are complete sentences (no figure/table residue) over all
quoted sentences; "boiler" quoted sentences that are boilerplate (broader impact, acknowledgements,
"In this section we", links); "dangl" quotes that open with an unresolved reference ("This", "To
quantify this") without the sentence before them; "tldr" whether the TL;DR states a finding, as one
whole sentence. For an LLM the checks read the evidence quotes (its claims are its own prose).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.settings import LLMSettings, get_settings  # noqa: E402
from tasks.models import PaperSummary, ParsedPaper, UsageTotals  # noqa: E402
from tasks.parse.local import parse_pdf_file  # noqa: E402
from tasks.summarize.context import count_tokens, select_context, tokenizer_name  # noqa: E402
from tasks.summarize.extractive import summarize_extractive  # noqa: E402
from tasks.summarize.grounding import paper_numbers, unsupported_numbers  # noqa: E402
from tasks.summarize.sentences import SummaryReport, check_summary  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures"
DEFAULT_PDFS = [FIXTURES / "pdfs", FIXTURES / "corpus" / "pdfs"]


def _row(
    name: str,
    summary: PaperSummary,
    parsed: ParsedPaper,
    seconds: float,
    usage: UsageTotals | None,
    report: SummaryReport,
) -> str:
    claims = summary.claims()
    verified = sum(c.verified for c in claims)
    numbers = paper_numbers(parsed)
    unsupported = sorted({n for c in claims for n in unsupported_numbers(c.text, numbers)})
    tokens_in = usage.input_tokens if usage else 0
    tokens_out = usage.output_tokens if usage else 0
    cost = "-" if usage is None else ("unknown" if usage.cost_usd is None else f"${usage.cost_usd:.5f}")
    tldr = "yes" if report.tldr_finding and report.tldr_whole else "NO"
    return (
        f"{name[:34]:34} {verified:>3}/{len(claims):<3} {report.complete:>3}/{report.sentences:<3}"
        f" {len(report.boilerplate):>6} {len(report.dangling):>5} {tldr:>4} {len(unsupported):>5}"
        f" {tokens_in:>8} {tokens_out:>7} {cost:>10} {seconds:>7.2f}s"
        + (f"  unsupported: {', '.join(unsupported)}" if unsupported else "")
    )


def _problems(report: SummaryReport, tldr: str) -> list[str]:
    lines = [f"incomplete: {x}" for x in report.incomplete]
    lines += [f"boilerplate: {x}" for x in report.boilerplate]
    lines += [f"dangling: {x}" for x in report.dangling]
    if not (report.tldr_finding and report.tldr_whole):
        lines.append(f"TL;DR not a whole finding: {tldr}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdfs", type=Path, action="append", help="a folder of PDFs (repeatable)")
    ap.add_argument("--model", help="provider:model (default: PAPERPANELS_LLM__MODEL; unset = extractive)")
    ap.add_argument("--replay", action="store_true", help="LLM path against the local replay server")
    args = ap.parse_args()

    llm: LLMSettings = get_settings().llm
    server = None
    if args.replay:
        from tests.summarize.openai_server import API_KEY, ReplayServer

        server = ReplayServer().start()
        llm = LLMSettings(model="openai:replay-model", base_url=server.url, api_key=API_KEY)
    elif args.model:
        llm = llm.model_copy(update={"model": args.model})

    pdfs = [pdf for folder in args.pdfs or DEFAULT_PDFS for pdf in sorted(folder.glob("*.pdf"))]
    print(
        f"summarizer: {llm.model or 'extractive'}   tokenizer: {tokenizer_name()}"
        f"   budget: {llm.context_tokens}   papers: {len(pdfs)}"
    )
    print(
        f"{'paper':34} {'claims':>7} {'whole':>7} {'boiler':>6} {'dangl':>5} {'tldr':>4} {'unsup':>5}"
        f" {'tok in':>8} {'tok out':>7} {'cost':>10} {'latency':>8}"
    )
    totals = [0, 0, 0, 0, 0, 0]  # sentences, complete, boilerplate, dangling, tldr findings, papers
    try:
        for pdf in pdfs:
            parsed = parse_pdf_file(pdf)
            start = time.perf_counter()
            if llm.model:
                from tasks.summarize.llm import summarize_with_llm  # LangChain, only for an LLM run

                result = summarize_with_llm(parsed, settings=llm, paper_id=pdf.stem)
                summary, usage = result.summary, result.usage
            else:
                summary, usage = summarize_extractive(parsed), None
            seconds = time.perf_counter() - start
            report = check_summary(summary, parsed.title)
            print(_row(pdf.stem, summary, parsed, seconds, usage, report))
            for line in _problems(report, summary.tldr):
                print(f"{'':34} {line[:160]}")
            if not llm.model:
                ctx = select_context(parsed, llm.context_tokens)
                print(f"{'':34} context an LLM would get: {ctx.mode}, {count_tokens(ctx.text)} tokens")
            totals = [
                totals[0] + report.sentences,
                totals[1] + report.complete,
                totals[2] + len(report.boilerplate),
                totals[3] + len(report.dangling),
                totals[4] + (report.tldr_finding and report.tldr_whole),
                totals[5] + 1,
            ]
    finally:
        if server is not None:
            server.stop()
    sentences, complete, boilerplate, dangling, findings, papers = totals
    print(
        f"TOTAL: {papers} papers, {complete}/{sentences} quoted sentences whole, {boilerplate} boilerplate,"
        f" {dangling} dangling, TL;DR a finding in {findings}/{papers}"
    )


if __name__ == "__main__":
    main()
