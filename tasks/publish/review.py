"""The full review as markdown: summary, claims with their evidence, outline, results, limitations.

Rendered from stored results only: the summary and the review (summary.json and review.json: the
LLM's, or the extractive summarizer's quoted results and limitations), the parsed paper's outline
and captions, the reproducibility card, the award entry. The review never says more than they do.
"""

from __future__ import annotations

from tasks.markdown import md_text, web_url
from tasks.models import AwardEntry, Claim, FullReview, InjectionFinding, PaperSummary, ParsedPaper, ReproCard
from tasks.publish.repro_render import card_markdown
from tasks.text import trim_at_word

CAPTION_MAX_CHARS = 200


_md = md_text  # paper text in markdown: literal text, never markup (tasks/markdown.py)
_web_url = web_url


def _mark(verified: bool) -> str:
    return "✓" if verified else "⚠ unverified"


def _claim_lines(claim: Claim, flagged: frozenset[str] = frozenset()) -> list[str]:
    if not claim.evidence:
        return [f"- {_md(claim.text)} ⚠ no evidence quoted"]
    if claim.text in flagged or claim.issues:
        # Its quotes may all be real while a number in it is not: the claim itself is not fact.
        lines = [f"- ⚠ unverified claim: {_md(claim.text)}"]
        lines += [
            f"  > “{_md(ev.quote)}”{f' — *{_md(ev.location)}*' if ev.location else ''} {_mark(ev.verified)}"
            for ev in claim.evidence
        ]
        return lines
    only = claim.evidence[0]
    if len(claim.evidence) == 1 and " ".join(only.quote.split()) == " ".join(claim.text.split()):
        where = f" — *{_md(only.location)}*" if only.location else ""
        # The paper's own words (extractive summaries) read as a quotation, not as our prose.
        text = f"“{_md(claim.text)}”" if claim.quoted else _md(claim.text)
        return [f"- {text}{where} {_mark(only.verified)}"]
    lines = [f"- {_md(claim.text)}"]
    for ev in claim.evidence:
        where = f" — *{_md(ev.location)}*" if ev.location else ""
        lines.append(f"  > “{_md(ev.quote)}”{where} {_mark(ev.verified)}")
    return lines


def _quoted(claims: list[Claim]) -> list[str]:
    """The paper's own sentences with where they stand (an extractive review's results, limitations)."""
    return [f"- {_md(c.text)} — *{_md(c.evidence[0].location or '')}*" for c in claims if c.evidence]


def _outline(parsed: ParsedPaper) -> list[str]:
    lines = []
    for section in parsed.sections:
        if not section.heading.strip():
            continue
        depth = section.number.strip(".").count(".") if section.number else 0
        number = f"{section.number} " if section.number else ""
        lines.append(f"{'  ' * depth}- {_md(number + section.heading)}")
    return lines


def _captions(parsed: ParsedPaper) -> list[str]:
    lines = []
    for cap in parsed.captions:
        if not cap.text.strip():
            continue
        label = (cap.label or "").strip(" :.") or cap.kind.title()
        if not label.lower().startswith(cap.kind[:3]):
            label = f"{cap.kind.title()} {label}"
        lines.append(f"- **{_md(label)}.** {_md(trim_at_word(cap.text, CAPTION_MAX_CHARS))}")
    return lines


def _header(
    parsed: ParsedPaper, summary: PaperSummary, entry: AwardEntry | None, review: FullReview | None
) -> list[str]:
    title = entry.title if entry else parsed.title
    lines = [f"# {_md(title) or 'Untitled paper'}", ""]
    authors = (entry.authors if entry and entry.authors else None) or [a.name for a in parsed.authors]
    if authors:
        lines.append(f"**Authors:** {_md(', '.join(authors))}  ")
    if entry:
        track = f" ({_md(entry.track)})" if entry.track else ""
        lines.append(f"**Award:** {entry.award.value.capitalize()}{track}  ")
        links = [("Paper", entry.landing_url())] + [("Code", u) for u in entry.links.code]
        shown = [f"[{name}]({url})" for name, raw in links if (url := _web_url(raw))]
        if shown:
            lines.append(f"**Links:** {' · '.join(shown)}  ")
    notices = list(review.notices) if review and review.generator == "extractive" else []
    # The extractive summary's own notice says the same as the review's; anything else is news.
    notices += [n for n in summary.notices if not (summary.fallback and n.startswith("Extractive summary"))]
    notices += parsed.notices
    if notices:
        lines.append("")
        lines.extend(f"> ⚠ **{_md(n)}**  " for n in dict.fromkeys(notices))
    return lines


def _finding_line(f: InjectionFinding) -> str:
    """One injection finding: visible text quoted; hidden text by page, kind and length only."""
    if f.excerpt:
        return f"- ⚠ {_md(f.pattern)} — *{_md(f.location)}*: “{_md(f.excerpt)}” (not obeyed)"
    return (
        f"- ⚠ {_md(f.pattern)} — *{_md(f.location)}*, {f.chars} characters (removed, not quoted, not obeyed)"
    )


def _review_claims(claims: list[Claim], flagged: frozenset[str], empty: str) -> list[str]:
    return [line for c in claims for line in _claim_lines(c, flagged)] or [empty]


def summary_markdown(parsed: ParsedPaper, summary: PaperSummary, *, ran: list[str] | None = None) -> str:
    """One paper's summary as markdown (`paperpanels summarize`): what ran, notices, TL;DR, every
    claim with its verification mark and source, injection findings, LLM usage."""
    flagged = frozenset(f.claim for f in summary.flags)
    lines = [f"# {_md(parsed.title) or 'Untitled paper'}", ""]
    lines += [f"*{_md(line)}*  " for line in ran or []]
    notices = list(dict.fromkeys([*summary.notices, *parsed.notices]))
    if notices:
        lines += ["", *(f"> ⚠ **{_md(n)}**  " for n in notices)]
    tldr = f"“{_md(summary.tldr)}”" if summary.generator == "extractive" else _md(summary.tldr)
    if not summary.tldr_checked:
        tldr += " ⚠ unchecked"
    lines += ["", f"**TL;DR** {tldr}", ""]
    lines += ["## What was done?", "", *_review_claims(summary.what_was_done, flagged, "None."), ""]
    lines += ["## Why it matters?", "", *_review_claims(summary.why_it_matters, flagged, "None."), ""]
    if summary.injection_findings:
        lines += ["## Prompt-injection findings", ""]
        lines += [_finding_line(f) for f in summary.injection_findings]
        lines.append("")
    if summary.usage is not None:
        usage = summary.usage
        cost = f"${usage.cost_usd:.4f}" if usage.cost_usd is not None else "cost unknown"
        tokens = f"{usage.input_tokens:,} + {usage.output_tokens:,} tokens"
        lines += [
            f"*LLM: {tokens}, {cost}, {usage.latency_s:.1f} s*",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def review_markdown(
    parsed: ParsedPaper,
    summary: PaperSummary,
    *,
    entry: AwardEntry | None = None,
    review: FullReview | None = None,
    repro: ReproCard | None = None,
) -> str:
    """The longer review of one paper as markdown, with a visible notice when it is extractive.

    An extractive review shows the paper's result and limitation sentences; an LLM's FullReview its
    overview, results, strengths and limitations (quotes checked, flagged claims marked).
    """
    flagged = frozenset(f.claim for f in summary.flags)
    summary_body = [_md(summary.tldr)] + (["", _md(review.overview)] if review and review.overview else [])
    sections: list[tuple[str, list[str]]] = [
        ("Summary", summary_body),
        ("What was done", _review_claims(summary.what_was_done, flagged, "None.")),
        ("Why it matters", _review_claims(summary.why_it_matters, flagged, "None.")),
        ("Paper outline", _outline(parsed) or ["No section headings were extracted."]),
    ]
    if review is None:  # a summary stored before reviews were: nothing more is shown than it holds
        sections += [("Results", ["No review was stored for this paper."])]
    elif review.generator == "extractive":
        sections += [
            ("Results", _quoted(review.key_results) or ["No result sentences found in the extracted text."]),
            ("Limitations", _quoted(review.limitations) or ["None stated in the extracted text."]),
        ]
    else:
        sections += [
            ("Results", _review_claims(review.key_results, flagged, "No results given.")),
            ("Strengths", _review_claims(review.strengths, flagged, "None given.")),
            ("Limitations", _review_claims(review.limitations, flagged, "None given.")),
        ]
    if summary.injection_findings:
        sections.append(
            (
                "Prompt-injection findings",
                [_finding_line(f) for f in summary.injection_findings],
            )
        )
    if repro is not None:  # the reproducibility card, each item quoting the paper (tasks/repro/card.py)
        sections.append(("Reproducibility", card_markdown(repro)))
    sections.append(("Figures & tables", _captions(parsed) or ["No captions were extracted."]))
    lines = _header(parsed, summary, entry, review)
    for heading, body in sections:
        lines += ["", f"## {heading}", "", *body]
    lines += [
        "",
        "---",
        f"*Generated by {_md(summary.generator)} from the {_md(parsed.parser)} {_md(parsed.parser_version)}"
        f" parse{f' ({parsed.page_count} pages)' if parsed.page_count else ''}.*",
        "",
    ]
    return "\n".join(lines)
