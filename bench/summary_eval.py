"""Trust figures of the summarizer per paper: verified claims, unsupported numbers, tokens, cost, latency.

    .venv/bin/python bench/summary_eval.py [--pdfs DIR] [--model provider:model] [--replay]

Without a model it measures the extractive summarizer (no LLM). With a real provider, set the model
and key the way the pipeline reads them, e.g.

    PAPERPANELS_LLM__MODEL=openai:gpt-4o-mini PAPERPANELS_LLM__API_KEY=sk-... \\
        .venv/bin/python bench/summary_eval.py

(or pass --model; PAPERPANELS_LLM__BASE_URL selects an OpenAI-compatible server such as vLLM).
--replay runs the LLM path offline against the test suite's local replay server
(tests/summarize/openai_server.py): real OpenAI client, recorded answers, so the figures measure
our pipeline (context, grounding, accounting), not a model. PDFs default to ../shared/fixtures/pdfs.
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
from tasks.summarize.llm import summarize_with_llm  # noqa: E402

DEFAULT_PDFS = ROOT.parent / "shared" / "fixtures" / "pdfs"


def _row(
    name: str, summary: PaperSummary, parsed: ParsedPaper, seconds: float, usage: UsageTotals | None
) -> str:
    claims = summary.claims()
    verified = sum(c.verified for c in claims)
    numbers = paper_numbers(parsed)
    unsupported = sorted({n for c in claims for n in unsupported_numbers(c.text, numbers)})
    tokens_in = usage.input_tokens if usage else 0
    tokens_out = usage.output_tokens if usage else 0
    cost = "-" if usage is None else ("unknown" if usage.cost_usd is None else f"${usage.cost_usd:.5f}")
    calls = len(usage.calls) if usage else 0
    return (
        f"{name[:34]:34} {verified:>3}/{len(claims):<3} {verified / max(1, len(claims)):>6.2f} "
        f"{len(unsupported):>5} {tokens_in:>8} {tokens_out:>7} {calls:>5} {cost:>10} {seconds:>8.2f}s"
        + (f"  unsupported: {', '.join(unsupported)}" if unsupported else "")
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdfs", type=Path, default=DEFAULT_PDFS)
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

    pdfs = sorted(args.pdfs.glob("*.pdf"))
    print(
        f"summarizer: {llm.model or 'extractive'}   tokenizer: {tokenizer_name()}"
        f"   budget: {llm.context_tokens}"
    )
    print(
        f"{'paper':34} {'claims':>7} {'ratio':>6} {'unsup':>5} {'tok in':>8} {'tok out':>7} {'calls':>5}"
        f" {'cost':>10} {'latency':>9}"
    )
    try:
        for pdf in pdfs:
            parsed = parse_pdf_file(pdf)
            start = time.perf_counter()
            if llm.model:
                result = summarize_with_llm(parsed, settings=llm, paper_id=pdf.stem)
                summary, usage = result.summary, result.usage
            else:
                summary, usage = summarize_extractive(parsed), None
            seconds = time.perf_counter() - start
            print(_row(pdf.stem, summary, parsed, seconds, usage))
            if not llm.model:
                ctx = select_context(parsed, llm.context_tokens)
                print(f"{'':34} context an LLM would get: {ctx.mode}, {count_tokens(ctx.text)} tokens")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
