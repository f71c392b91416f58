"""The full review as markdown: summary, claims with their evidence, outline, results, limitations.

Built from a PaperSummary (extractive or LLM) and the parsed paper; every other section quotes the
paper's own sentences with their location, so the review never says more than the paper does.
"""

from __future__ import annotations

import re

from tasks.markdown import md_text, web_url
from tasks.models import AwardEntry, Claim, FullReview, InjectionFinding, PaperSummary, ParsedPaper, ReproCard
from tasks.publish.repro_render import card_markdown
from tasks.summarize.extractive import CITATION_RE, WHY_CUES, trim_at_word
from tasks.summarize.paper_text import Sentence, is_prose, paper_sentences

REVIEW_NOTICE = "Extractive review: sentences quoted from the paper; no LLM configured"
MAX_RESULTS = 6
MAX_LIMITATIONS = 5
CAPTION_MAX_CHARS = 200

_DIGIT_RE = re.compile(r"\d")
_LIMIT_CUES = re.compile(
    r"\blimitation|\bhowever\b|\bfuture work\b|\bdrawback|\bshortcoming|\bfails?\b|\bcannot\b|\bnot yet\b"
)
# Outside a limitations or discussion section, "however" is everywhere: only strong cues count.
_STRONG_LIMIT_CUES = re.compile(r"\blimitation|\bfuture work\b|\bdrawback|\bshortcoming")


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


def _quoted(sentences: list[Sentence]) -> list[str]:
    return [f"- {_md(s.text)} — *{_md(s.location)}*" for s in sentences]


def _results(sentences: list[Sentence]) -> list[Sentence]:
    """Sentences reporting results: result cues, best with numbers, from results/experiments sections."""

    def score(s: Sentence) -> int:
        points = 2 * any(p.search(s.normalized) for p, _ in WHY_CUES) + bool(_DIGIT_RE.search(s.text))
        # A "Results" heading beats "Experiments" (setup); a cited sentence is about someone else.
        points += "result" in s.location.lower()
        return points - bool(CITATION_RE.search(s.normalized))

    pool = [s for s in sentences if s.kind == "results"]
    if not pool:
        pool = [s for s in sentences if s.kind != "abstract" and _DIGIT_RE.search(s.text)]
    ranked = sorted(((s, score(s)) for s in pool), key=lambda x: (-x[1], x[0].position))
    return sorted((s for s, points in ranked[:MAX_RESULTS] if points >= 2), key=lambda s: s.position)


def _limitations(sentences: list[Sentence]) -> list[Sentence]:
    """A limitations section's sentences, else cue sentences from discussion, else strong cues anywhere."""
    found = [s for s in sentences if s.kind == "limitations"]
    if not found:
        found = [s for s in sentences if s.kind == "conclusion" and _LIMIT_CUES.search(s.normalized)]
    if not found:
        found = [s for s in sentences if _STRONG_LIMIT_CUES.search(s.normalized)]
    return found[:MAX_LIMITATIONS]


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


def _header(parsed: ParsedPaper, summary: PaperSummary, entry: AwardEntry | None) -> list[str]:
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
    notices = [REVIEW_NOTICE] if summary.fallback else []
    # The extractive summary's own notice says the same as REVIEW_NOTICE; anything else is news.
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

    With an LLM FullReview, its overview, results, strengths and limitations (quotes checked, flagged
    claims marked) replace the extractive Results and Limitations sections.
    """
    sentences = [s for s in paper_sentences(parsed) if is_prose(s.text)]
    flagged = frozenset(f.claim for f in summary.flags)
    summary_body = [_md(summary.tldr)] + (["", _md(review.overview)] if review and review.overview else [])
    sections: list[tuple[str, list[str]]] = [
        ("Summary", summary_body),
        ("What was done", _review_claims(summary.what_was_done, flagged, "None.")),
        ("Why it matters", _review_claims(summary.why_it_matters, flagged, "None.")),
        ("Paper outline", _outline(parsed) or ["No section headings were extracted."]),
    ]
    if review is None:
        sections += [
            ("Results", _quoted(_results(sentences)) or ["No result sentences found in the extracted text."]),
            ("Limitations", _quoted(_limitations(sentences)) or ["None stated in the extracted text."]),
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
    if repro is not None:  # the reproducibility card, each item quoting the paper (tasks/publish/repro.py)
        sections.append(("Reproducibility", card_markdown(repro)))
    sections.append(("Figures & tables", _captions(parsed) or ["No captions were extracted."]))
    lines = _header(parsed, summary, entry)
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
