"""The reproducibility card as review.md shows it, and the digest's table of every paper's card.

review.md (and review.html, rendered from it) shows each field with the paper's words and where
they stand; the digest shows one row per paper. Every piece of data is escaped Markdown or HTML.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from tasks.markdown import md_link, md_text, web_url
from tasks.models import Digest, Found, LicenceCheck, ReproCard

BADGES_NOT_READ = "none printed in the paper (the venue's pages are not read)"


def _md_found(found: Found) -> str:
    value = (
        md_link(found.value, found.url) if found.url and found.url == found.value else md_text(found.value)
    )
    link = f" ({md_link('link', found.url)})" if found.url and found.url != found.value else ""
    return f"{value or md_text(found.value)}{link} — *{md_text(found.where)}*: “{md_text(found.quote)}”"


def licence_text(check: LicenceCheck) -> str:
    if check.status == "found":
        return f"{check.licence} ({check.detail})"
    if check.status == "none":
        return f"none stated ({check.detail})"
    if check.status == "not found":
        return f"repository not found ({check.detail})"
    return f"not checked ({check.detail})"


def card_markdown(card: ReproCard) -> list[str]:
    """The card as review.md's Reproducibility section: a list, each item with its source."""
    lines: list[str] = []
    if card.code:
        lines += ["- **Code:**", *(f"  - {_md_found(f)}" for f in card.code)]
    else:
        lines.append("- **Code:** no repository of the paper's own is linked in it.")
    if card.code_statement:
        statement = card.code_statement
        where, quote = md_text(statement.where), md_text(statement.quote)
        lines.append(f"- **Code availability stated:** yes — *{where}*: “{quote}”")
    else:
        lines.append("- **Code availability stated:** no sentence of the paper says its code is available.")
    if card.licences:
        lines += [
            "- **Licence:**",
            *(f"  - {md_text(c.repository)}: {md_text(licence_text(c))}" for c in card.licences),
        ]
    for label, items in (("Datasets", card.datasets), ("Models", card.models), ("Compute", card.compute)):
        if items:
            lines += [f"- **{label}:**", *(f"  - {_md_found(f)}" for f in items)]
        else:
            lines.append(f"- **{label}:** none named in the text.")
    if card.badges:
        lines += ["- **Artifact badges:**", *(f"  - {_md_found(f)}" for f in card.badges)]
    else:
        lines.append(f"- **Artifact badges:** {BADGES_NOT_READ}.")
    lines += [f"- ⚠ {md_text(n)}" for n in card.notices]
    lines += [
        "",
        f"*Read from the paper's own text ({md_text(card.extractor)}): each item quotes where it was found.*",
    ]
    return lines


def _label(found: Found) -> str:
    """What a table cell shows: a repository as owner/name, anything else as found."""
    if found.url and found.value == found.url:
        parts = urlsplit(found.url)
        return parts.path.strip("/") if parts.hostname in ("github.com", "gitlab.com") else found.value
    return found.value


def _short(title: str) -> str:
    head = title.split(":", 1)[0] if ":" in title else title
    return head if len(head) <= 60 else head[:59].rsplit(" ", 1)[0] + "…"


def _cell(items: list[Found], empty: str = "—") -> str:
    shown = []
    for f in items[:4]:
        link = md_link(_label(f), f.url) if f.url else None
        shown.append(link or md_text(f.value))
    more = f" +{len(items) - 4}" if len(items) > 4 else ""
    return (", ".join(shown) + more) if shown else empty


def _licence_name(check: LicenceCheck) -> str:
    return (check.licence or "") if check.status == "found" else check.status


def _licences(card: ReproCard) -> str:
    return ", ".join(md_text(_licence_name(c)) for c in card.licences) or "—"


def table_markdown(digest: Digest) -> list[str]:
    """## Reproducibility: one row per paper with a card; the review holds the quotes."""
    rows = [r for r in digest.results if r.repro is not None]
    if not rows:
        return []
    lines = [
        "## Reproducibility",
        "",
        "*Read from each paper's own text; its full review quotes where every item was found.*",
        "",
        "| Paper | Code | Stated available | Datasets | Models | Compute | Licence | Badges |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        card = r.repro
        assert card is not None
        title = md_text(_short(r.entry.title))
        stated = "yes" if card.code_statement else "no"
        lines.append(
            f"| {title} | {_cell(card.code)} | {stated} | {_cell(card.datasets)} | {_cell(card.models)} | "
            f"{_cell(card.compute)} | {_licences(card)} | {_cell(card.badges, 'none shown')} |"
        )
    unchecked = sorted(
        {c.detail for r in rows if r.repro for c in r.repro.licences if c.status == "not checked"}
    )
    if unchecked:
        lines += ["", f"*Licences not checked: {md_text('; '.join(unchecked))}.*"]
    return lines


# --------------------------------------------------------------------------- html


def _e(text: str) -> str:
    return html.escape(" ".join(text.split()), quote=True)


def _html_items(items: list[Found], empty: str = "—") -> str:
    shown = []
    for f in items[:4]:
        url = web_url(f.url)
        name = f'<a href="{_e(url)}" rel="noopener noreferrer">{_e(_label(f))}</a>' if url else _e(f.value)
        shown.append(f'<span title="{_e(f.where)}: {_e(f.quote)}">{name}</span>')
    more = f" +{len(items) - 4}" if len(items) > 4 else ""
    return (", ".join(shown) + more) if shown else empty


def table_html(digest: Digest) -> list[str]:
    """The reproducibility table as HTML (hovering an item shows the paper's words and their place)."""
    rows = [r for r in digest.results if r.repro is not None]
    if not rows:
        return []
    out = [
        '<section id="reproducibility"><h2>Reproducibility</h2>',
        '<p class="meta">Read from each paper\'s own text; its full review quotes where every item '
        "was found (hover an item to see it).</p>",
        '<div class="table"><table><thead><tr><th>Paper</th><th>Code</th><th>Stated available</th>'
        "<th>Datasets</th><th>Models</th><th>Compute</th><th>Licence</th><th>Badges</th></tr></thead><tbody>",
    ]
    for r in rows:
        card = r.repro
        assert card is not None
        title = _short(r.entry.title)
        statement = card.code_statement
        stated = (
            f'<span title="{_e(statement.where)}: {_e(statement.quote)}">yes</span>' if statement else "no"
        )
        licences = ", ".join(
            f'<span title="{_e(licence_text(c))}">{_e(_licence_name(c))}</span>' for c in card.licences
        )
        out.append(
            f'<tr><td><a href="#{_e(r.paper_id)}">{_e(title)}</a></td><td>{_html_items(card.code)}</td>'
            f"<td>{stated}</td><td>{_html_items(card.datasets)}</td><td>{_html_items(card.models)}</td>"
            f"<td>{_html_items(card.compute)}</td><td>{licences or '—'}</td>"
            f"<td>{_html_items(card.badges, 'none shown')}</td></tr>"
        )
    out.append("</tbody></table></div>")
    unchecked = sorted(
        {c.detail for r in rows if r.repro for c in r.repro.licences if c.status == "not checked"}
    )
    if unchecked:
        out.append(f'<p class="meta">Licences not checked: {_e("; ".join(unchecked))}.</p>')
    out.append("</section>")
    return out
