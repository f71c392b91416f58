"""The year in one page as the top of digest.md and digest.html (data escaped; the cover inlined)."""

from __future__ import annotations

import base64
import html

from tasks.awards import award_counts as counts_line
from tasks.markdown import md_text
from tasks.models import Digest, Overview, Theme
from tasks.summarize.themes import KEY_PHRASES

OVERVIEW_CSS = """
.overview { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 1rem 1.2rem; margin: 1.2rem 0 1.5rem; }
.overview h2 { margin-top: 0; }
.overview h3 { margin: 1rem 0 .3rem; }
.overview ul { padding-left: 1.2rem; margin: .3rem 0; }
.overview li { margin: .2rem 0; }
figure.cover img { display: block; width: 100%; height: auto; border-radius: 6px;
  border: 1px solid var(--line); }
.table { overflow-x: auto; }
table { border-collapse: collapse; font-size: .88rem; width: 100%; }
th, td { border: 1px solid var(--line); padding: .3rem .45rem; text-align: left; vertical-align: top; }
"""


def _how(overview: Overview) -> str:
    if overview.generator.startswith(KEY_PHRASES):
        why = "the chat model failed" if overview.fallback else "no LLM configured"
        return (
            f"Key phrases printed in the verified claims or section titles of every paper of a theme "
            f"({why}): no text is written here."
        )
    model = overview.generator.split("+", 1)[0]
    return (
        f"Named by {model} from the verified claims only; each paper's quote was checked against its claims."
    )


def award_counts(overview: Overview, sep: str = " · ") -> str:
    """The counts line ("4 award papers: best paper (1) · runner-up (1) · ..."), awards in digest order."""
    return counts_line(overview.papers, overview.by_award, sep)


_counts_line = award_counts


# --------------------------------------------------------------------------- markdown


def _md_theme(theme: Theme) -> list[str]:
    lines = [f"- **{md_text(theme.label)}** — {len(theme.papers)} papers:"]
    for paper in theme.papers:
        where = f" — *{md_text(paper.where)}*" if paper.where else ""
        lines.append(f"  - {md_text(paper.title)}: “{md_text(paper.quote)}”{where}")
    return lines


def overview_markdown(digest: Digest) -> list[str]:
    """## The year in one page: cover, counts, themes (each naming its papers), notices."""
    overview = digest.overview
    if overview is None:
        return []
    lines = ["", "## The year in one page", ""]
    if overview.cover:
        lines += [f"![{md_text(overview.cover_alt or 'Cover')}]({overview.cover})", ""]
    lines.append(f"**{md_text(_counts_line(overview))}**  ")
    if overview.by_track:
        tracks = " · ".join(f"{md_text(t)} ({n})" for t, n in overview.by_track.items())
        lines.append(f"**Tracks:** {tracks}  ")
    lines += ["", "### Themes shared by several papers", "", f"*{md_text(_how(overview))}*", ""]
    for theme in overview.themes:
        lines += _md_theme(theme)
    if not overview.themes:
        lines.append("No theme is shared by two or more papers.")
    if overview.alone:
        lines.append(f"- *In no shared theme:* {md_text('; '.join(overview.alone))}")
    if overview.notices:
        lines.append("")
        lines += [f"> ⚠ **{md_text(n)}**  " for n in overview.notices]
    if repro := repro_summary(digest):
        lines += ["", f"**Reproducibility:** {md_text(repro)}"]
    return lines


def repro_summary(digest: Digest) -> str | None:
    """One line over every paper's reproducibility card (the table at the end has the detail)."""
    cards = [r.repro for r in digest.results if r.repro is not None]
    if not cards:
        return None
    return (
        f"{sum(bool(c.code) for c in cards)} of {len(cards)} papers link their own code, "
        f"{sum(c.code_statement is not None for c in cards)} say it is available, "
        f"{sum(bool(c.datasets) for c in cards)} name datasets, "
        f"{sum(bool(c.compute) for c in cards)} state their compute (table at the end)."
    )


# --------------------------------------------------------------------------- html


def _e(text: str) -> str:
    return html.escape(" ".join(text.split()), quote=True)


def overview_html(digest: Digest, cover_webp: bytes | None = None) -> list[str]:
    """The overview section of digest.html; the cover inlined (the page allows data: images only)."""
    overview = digest.overview
    if overview is None:
        return []
    out = ['<section class="overview" id="overview"><h2>The year in one page</h2>']
    if cover_webp:
        data = base64.b64encode(cover_webp).decode("ascii")
        alt = _e(overview.cover_alt or "Cover")
        out.append(f'<figure class="cover"><img src="data:image/webp;base64,{data}" alt="{alt}"></figure>')
    out.append(f"<p><strong>{_e(_counts_line(overview))}</strong></p>")
    if overview.by_track:
        tracks = " · ".join(f"{_e(t)} ({n})" for t, n in overview.by_track.items())
        out.append(f'<p class="meta">Tracks: {tracks}</p>')
    out += ["<h3>Themes shared by several papers</h3>", f'<p class="meta">{_e(_how(overview))}</p>', "<ul>"]
    for theme in overview.themes:
        papers = "".join(
            f'<li>{_e(p.title)}: <span class="quote">“{_e(p.quote)}”</span>'
            + (f" <cite>— {_e(p.where)}</cite>" if p.where else "")
            + "</li>"
            for p in theme.papers
        )
        out.append(
            f"<li><strong>{_e(theme.label)}</strong> — {len(theme.papers)} papers<ul>{papers}</ul></li>"
        )
    if not overview.themes:
        out.append("<li>No theme is shared by two or more papers.</li>")
    if overview.alone:
        out.append(f"<li><em>In no shared theme:</em> {_e('; '.join(overview.alone))}</li>")
    out.append("</ul>")
    if repro := repro_summary(digest):
        out.append(
            f'<p><strong>Reproducibility:</strong> {_e(repro)} <a href="#reproducibility">Table</a></p>'
        )
    out += [f'<div class="notice" role="alert">⚠ {_e(n)}</div>' for n in overview.notices]
    out.append("</section>")
    return out
