"""Digest renderers: one conference's results as markdown, a self-contained HTML page, and JSON.

Artifact links are relative to the digest, which sits at `<conference>/digest.*` while paper
artifacts sit at `<conference>/papers/<paper_id>/<name>`. `PaperResult.artifacts` maps the
artifact name ("review.md", "comic.png") to its full store key; only names present there are
linked, so a digest never points at a file that was not written.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC

from tasks.awards import award_heading, grouped_by_award
from tasks.llm.accounting import combined
from tasks.markdown import md_text, web_url
from tasks.models import AwardKind, Claim, Digest, PaperResult, PaperStatus, StageName, StageState
from tasks.publish.comic_html import comic_alt, comic_html
from tasks.publish.overview_render import OVERVIEW_CSS, overview_html, overview_markdown
from tasks.publish.page import escape, html_document
from tasks.publish.repro_render import table_html, table_markdown
from tasks.publish.social import SocialCard

REVIEW_ARTIFACT = "review.md"
REVIEW_PAGE = "review.html"  # the same review as a page (tasks/publish/review_page.py)
MAX_NAMED_IN_NOTICE = 5
COMIC_ARTIFACTS = ("comic.png", "comic.webp")  # first present wins in the markdown digest

# --------------------------------------------------------------------------- shared pieces


def relative_artifact(slug: str, key: str | None) -> str | None:
    """A store key as a path relative to `<slug>/digest.*`, or None for a key we cannot trust."""
    if not key or "://" in key or key.startswith("/") or ".." in key.split("/"):
        return None
    if key.startswith(f"{slug}/"):
        return key.removeprefix(f"{slug}/")
    if key.startswith("papers/"):  # a published digest: already relative to its release folder
        return key
    return posixpath.relpath(key, slug)


def grouped(digest: Digest) -> Iterator[tuple[AwardKind, list[PaperResult]]]:
    """Every result, grouped by award kind in AWARD_ORDER (unplaced kinds last), digest order within."""
    return grouped_by_award(digest.results)


def notices(digest: Digest) -> list[tuple[str, list[str]]]:
    """Every notice with the titles of the papers it concerns (empty for conference-wide ones)."""
    found: dict[str, list[str]] = {n: [] for n in digest.notices}
    for result in digest.results:
        summary_notices = result.summary.notices if result.summary else []
        if result.summary and result.summary.fallback and not summary_notices:
            summary_notices = [f"Fallback summarizer in use ({result.summary.generator})"]
        for notice in dict.fromkeys([*summary_notices, *result.notices]):
            titles = found.setdefault(notice, [])
            if notice not in digest.notices:
                titles.append(result.entry.title)
    return list(found.items())


def failed_stage(result: PaperResult) -> tuple[str, str]:
    """(stage, error) of the first failed or unavailable stage, in pipeline order."""
    for stage in StageName:
        status = result.stages.get(stage)
        if status and status.state in (StageState.FAILED, StageState.UNAVAILABLE):
            return stage.value, status.error or "no error recorded"
    return "unknown stage", result.error or "no error recorded"


def stage_warnings(result: PaperResult) -> list[str]:
    """Stages that failed in a paper that is otherwise done (e.g. its comic)."""
    return [
        f"{stage.value} stage {status.state.value}: {status.error or 'no error recorded'}"
        for stage in StageName
        if (status := result.stages.get(stage)) and status.state == StageState.FAILED
    ]


def _md_claims(claims: list[Claim]) -> str:
    """Claims as markdown, the text escaped and every claim that failed a check marked.

    The paper's own sentences (Claim.quoted: extractive summaries) are shown as quotations with
    their source, “…” — *Abstract*, never as our prose; a written claim stays prose.
    """
    parts = []
    for claim in claims:
        text = _md(claim.text)
        if claim.quoted:
            text = f"“{text}” — *{_md(_source(claim))}*"
        parts.append(text if claim.verified else f"{text} **(⚠ unverified)**")
    return " ".join(parts)


def _source(claim: Claim) -> str:
    """Where a quoted claim stands in the paper: its first evidence's location."""
    return next((e.location for e in claim.evidence if e.location), None) or "the paper"


def _links(result: PaperResult) -> list[tuple[str, str]]:
    """(label, url) for the paper's web links; unsafe URLs are dropped before numbering."""
    entry = result.entry
    links: list[tuple[str, str]] = []
    groups: list[tuple[str, Sequence[str | None]]] = [
        ("Paper", [entry.landing_url()]),
        ("Code", entry.links.code),
        ("Dataset", entry.links.datasets),
        ("Model", entry.links.models),
        ("Project page", [entry.links.project_page]),
    ]
    for name, raw in groups:
        urls = [url for u in raw if (url := web_url(u))]
        links += [(name if len(urls) == 1 else f"{name} {i}", url) for i, url in enumerate(urls, 1)]
    return links


def _comic_key(result: PaperResult) -> str | None:
    return next((result.artifacts[n] for n in COMIC_ARTIFACTS if n in result.artifacts), None)


def _generated(digest: Digest) -> str:
    when = digest.generated_at
    when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _counts(digest: Digest) -> str:
    return (
        f"{len(digest.results)} papers: {digest.count(PaperStatus.DONE)} done · "
        f"{digest.count(PaperStatus.UNAVAILABLE)} unavailable · {digest.count(PaperStatus.FAILED)} failed"
    )


def usage_totals(digest: Digest) -> str | None:
    """One line with the tokens and cost of every chat-model call behind the digest (summaries and
    reviews, comic scripts, the themes, the reading of the award announcement); None without one."""
    parts = [
        ("summaries", [r.summary.usage for r in digest.results if r.summary and r.summary.usage]),
        ("comic scripts", [r.comic_usage for r in digest.results if r.comic_usage]),
        ("themes", [digest.overview.usage] if digest.overview and digest.overview.usage else []),
        ("award announcement", [digest.conference.usage] if digest.conference.usage else []),
    ]
    total = combined(*(u for _, found in parts for u in found))
    if total is None:
        return None
    cost = f"${total.cost_usd:.4f}" if total.cost_usd is not None else "cost unknown"
    where = ", ".join(f"{name} {len(found)}" if len(found) > 1 else name for name, found in parts if found)
    tokens = f"{total.input_tokens:,} input + {total.output_tokens:,} output tokens"
    return f"LLM usage: {tokens}, {cost} ({where})"


def paper_usage(result: PaperResult) -> str | None:
    usage = result.summary.usage if result.summary else None
    if usage is None:
        return None
    cost = f"${usage.cost_usd:.4f}" if usage.cost_usd is not None else "cost unknown"
    return f"{usage.input_tokens:,} + {usage.output_tokens:,} tokens, {cost}, {usage.latency_s:.1f} s"


def injection_lines(result: PaperResult) -> list[str]:
    """Possible prompt injection found in the paper: reported in the digest, never obeyed.

    Hidden text is named by page, kind and length, never quoted (its words are in no published file).
    """
    findings = result.summary.injection_findings if result.summary else []
    return [
        f"Possible prompt injection in the paper ({f.location}, not obeyed): {f.excerpt}"
        if f.excerpt
        else f"Possible prompt injection in the paper: {f.pattern}, {f.location}, {f.chars} characters "
        "(removed, not quoted, not obeyed)"
        for f in findings
    ]


def _scope(titles: list[str], total: int) -> str:
    if not titles:
        return ""
    if len(titles) == total:
        return "all papers"
    # Naming a few papers helps; naming forty buries the notice.
    named = ": " + "; ".join(titles) if len(titles) <= MAX_NAMED_IN_NOTICE else ""
    return f"{len(titles)} of {total} papers{named}"


# --------------------------------------------------------------------------- markdown


_md = md_text  # data in markdown: literal text, never markup (tasks/markdown.py)
_md_alt = md_text


def _md_paper(result: PaperResult, slug: str) -> list[str]:
    entry = result.entry
    lines = [f"### {_md(entry.title)}", ""]
    award = entry.award.value.capitalize() + (f" · {_md(entry.track)}" if entry.track else "")
    lines.append(f"**Award:** {award}  ")
    if entry.authors:
        lines.append(f"**Authors:** {_md(', '.join(entry.authors))}  ")
    if links := _links(result):
        lines.append(" · ".join(f"[{_md(label)}]({url})" for label, url in links) + "  ")
    if entry.needs_review:
        lines.append("⚠ *Paper identification needs review.*  ")
    lines.append("")
    if result.status == PaperStatus.UNAVAILABLE:
        lines += [f"**PDF unavailable:** {_md(result.error or 'no reason recorded')}", ""]
        return lines
    if result.status == PaperStatus.FAILED:
        stage, error = failed_stage(result)
        lines += [f"**Processing failed at {stage}:** {_md(error)}", ""]
        return lines
    if result.summary:
        what = _md_claims(result.summary.what_was_done)
        why = _md_claims(result.summary.why_it_matters)
        lines += [f"**What was done?** {what}", "", f"**Why it matters?** {why}", ""]
    if review := relative_artifact(slug, result.artifacts.get(REVIEW_ARTIFACT)):
        lines += [f"[Full review]({review})", ""]
    if comic := relative_artifact(slug, _comic_key(result)):
        lines += [f"![{_md_alt(comic_alt(result))}]({comic})", ""]
    lines += [f"⚠ *{_md(w)}*" for w in [*injection_lines(result), *stage_warnings(result)]]
    if usage := paper_usage(result):
        lines += ["", f"*LLM: {_md(usage)}*"]
    return lines


def render_markdown(digest: Digest) -> str:
    """The digest as markdown, shaped like a conference's award announcement post."""
    conf = digest.conference
    lines = [f"# {_md(conf.name)} — award papers", ""]
    lines.append(f"*Generated {_generated(digest)}* · {_counts(digest)}  ")
    if url := web_url(conf.url):
        lines.append(f"[Conference website]({url})  ")
    if totals := usage_totals(digest):
        lines.append(f"*{_md(totals)}*  ")
    lines += overview_markdown(digest)  # the year in one page (tasks/publish/overview_render.py)
    if found := notices(digest):
        lines.append("")
        for notice, titles in found:
            scope = _scope(titles, len(digest.results))
            lines.append(f"> ⚠ **{_md(notice)}**" + (f" ({_md(scope)})" if scope else "") + "  ")
    for kind, results in grouped(digest):
        lines += ["", f"## {award_heading(kind)}", ""]
        for result in results:
            lines += _md_paper(result, conf.slug)
    if table := table_markdown(digest):  # every paper's reproducibility card, one row each
        lines += ["", *table]
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- html


_e = escape


def _html_claims(claims: list[Claim]) -> str:
    """Claims as HTML: quoted sentences in quotation marks with their source, prose as prose."""
    parts = []
    for claim in claims:
        mark = "" if claim.verified else ' <span class="unverified">⚠ unverified</span>'
        if claim.quoted:
            text = f'<span class="quote">“{_e(claim.text)}”</span> <cite>— {_e(_source(claim))}</cite>'
        else:
            text = _e(claim.text)
        parts.append(text + mark)
    return " ".join(parts)


def _html_review_link(result: PaperResult, slug: str) -> str | None:
    """The "Full review" link: the review page (review.html) with its Markdown source beside it."""
    page = relative_artifact(slug, result.artifacts.get(REVIEW_PAGE))
    source = relative_artifact(slug, result.artifacts.get(REVIEW_ARTIFACT))
    if page is None:
        return f'<p><a href="{_e(source)}">Full review</a> (Markdown)</p>' if source else None
    markdown = f' <span class="meta">(<a href="{_e(source)}">Markdown</a>)</span>' if source else ""
    return f'<p><a href="{_e(page)}">Full review</a>{markdown}</p>'


def _html_paper(
    result: PaperResult, slug: str, comics: dict[str, bytes], phones: dict[str, bytes] | None = None
) -> list[str]:
    entry = result.entry
    badge = ""
    if result.status != PaperStatus.DONE:
        badge = f' <span class="badge {result.status.value}">{_e(result.status.value)}</span>'
    out = [f'<article id="{_e(result.paper_id)}">', f"<h3>{_e(entry.title)}{badge}</h3>"]
    award = entry.award.value.capitalize() + (f" · {entry.track}" if entry.track else "")
    out.append(f'<div class="meta">{_e(award)}</div>')
    if entry.authors:
        out.append(f'<div class="authors">{_e(", ".join(entry.authors))}</div>')
    if links := _links(result):
        anchors = " ".join(
            f'<a href="{_e(url)}" rel="noopener noreferrer">{_e(label)}</a>' for label, url in links
        )
        out.append(f'<div class="links">{anchors}</div>')
    if entry.needs_review:
        out.append('<p class="unverified">⚠ Paper identification needs review.</p>')
    if result.status == PaperStatus.UNAVAILABLE:
        reason = _e(result.error or "no reason recorded")
        out.append(f'<p class="problem"><strong>PDF unavailable:</strong> {reason}</p>')
    elif result.status == PaperStatus.FAILED:
        stage, error = failed_stage(result)
        out.append(f'<p class="problem"><strong>Processing failed at {_e(stage)}:</strong> {_e(error)}</p>')
    else:
        if result.summary:
            out.append(f"<p><strong>What was done?</strong> {_html_claims(result.summary.what_was_done)}</p>")
            out.append(
                f"<p><strong>Why it matters?</strong> {_html_claims(result.summary.why_it_matters)}</p>"
            )
        if review := _html_review_link(result, slug):
            out.append(review)
        if comic := comics.get(result.paper_id):
            full = relative_artifact(slug, result.artifacts.get("comic.png"))
            out.append(comic_html(result, comic, (phones or {}).get(result.paper_id), full=full, lazy=True))
        out += [
            f'<p class="unverified">⚠ {_e(w)}</p>'
            for w in [*injection_lines(result), *stage_warnings(result)]
        ]
        if usage := paper_usage(result):
            out.append(f'<p class="meta">LLM: {_e(usage)}</p>')
    out.append("</article>")
    return out


def render_html(
    digest: Digest,
    comics: dict[str, bytes],
    phones: dict[str, bytes] | None = None,
    cover: bytes | None = None,
    page_url: str | None = None,
) -> str:
    """The digest as one self-contained HTML page; comics (paper_id -> webp bytes) are inlined.

    `phones` (paper_id -> comic-mobile.webp bytes) are shown instead on narrow screens; `cover` (webp
    bytes of cover.png) tops the overview.
    """
    conf = digest.conference
    title = f"{conf.name} — award papers"
    out = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Generated {_e(_generated(digest))} · {_e(_counts(digest))}</p>',
    ]
    if url := web_url(conf.url):
        out.append(
            f'<p class="meta"><a href="{_e(url)}" rel="noopener noreferrer">Conference website</a></p>'
        )
    if totals := usage_totals(digest):
        out.append(f'<p class="meta">{_e(totals)}</p>')
    out += overview_html(digest, cover)
    for notice, titles in notices(digest):
        scope = _scope(titles, len(digest.results))
        detail = f"<small>{_e(scope)}</small>" if scope else ""
        out.append(f'<div class="notice" role="alert">⚠ {_e(notice)}{detail}</div>')
    for kind, results in grouped(digest):
        out.append(f"<section><h2>{_e(award_heading(kind))}</h2>")
        for result in results:
            out += _html_paper(result, conf.slug, comics, phones)
        out.append("</section>")
    out += table_html(digest)
    if page_url is None:  # said once: previews resolve the image against the shared page's address
        out.append(
            '<p class="meta">This page\'s preview links are relative: publish.base_url is not set.</p>'
        )
    card = replace(_digest_card(digest, title), url=page_url)
    return html_document(title, out, card=card, extra_css=OVERVIEW_CSS)


def _digest_card(digest: Digest, title: str) -> SocialCard:
    """The digest's link preview: its title, the counts, the cover (else a reviewed paper's comic)."""
    name = digest.conference.name
    card = SocialCard(
        title=title,
        description=f"Reviews and one-image comics of the {name} award papers: {_counts(digest)}",
        kind="website",
    )
    if digest.overview is not None and digest.overview.cover:  # cover.png beside digest.html
        return replace(card, image=digest.overview.cover, image_alt=digest.overview.cover_alt)
    for result in digest.results:
        comic = relative_artifact(digest.conference.slug, result.artifacts.get("comic.png"))
        if result.status == PaperStatus.DONE and comic:
            return replace(card, image=comic, image_alt=comic_alt(result))
    return card


# --------------------------------------------------------------------------- json


def render_json(digest: Digest) -> str:
    """The digest as indented JSON; Digest.model_validate_json reads it back."""
    return digest.model_dump_json(indent=2)
