"""The page template of every published HTML page (digest.html, review.html): one self-contained file.

Styles inline, images inlined as data: URLs, no script and no remote fetch: the Content-Security-Policy
says so, so a page is safe to open even if some text slipped through unescaped.
"""

from __future__ import annotations

import html

from tasks.publish.social import SocialCard


def escape(text: str) -> str:
    """Text as HTML (quotes too, for attributes), its whitespace folded to single spaces."""
    return html.escape(" ".join(text.split()), quote=True)


PAGE_CSS = """
:root { color-scheme: light dark; --fg: #1b1b1f; --bg: #fbfbfd; --muted: #5f6368; --card: #fff;
  --line: #dadce0; --warn-bg: #fff4d6; --warn-fg: #6b4b00; --bad-bg: #fde7e9; --bad-fg: #8a1020;
  --link: #0b57d0; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8eaed; --bg: #17181b; --muted: #a8abb0;
  --card: #202124; --line: #3c4043; --warn-bg: #3d3110; --warn-fg: #ffd97a; --bad-bg: #3f1a1f;
  --bad-fg: #ffb4bd; --link: #8ab4f8; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  overflow-wrap: break-word; }
/* Settings names, paths and URLs in notices have no spaces: they wrap anywhere rather than overflow. */
.notice, .problem, .meta, .links { overflow-wrap: anywhere; }
main { max-width: 56rem; margin: 0 auto; padding: 1.5rem 1rem 4rem; }
h1 { font-size: 1.8rem; line-height: 1.25; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.5rem 0 1rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.1rem; margin: 0 0 .4rem; line-height: 1.35; }
a { color: var(--link); }
.meta, .authors { color: var(--muted); font-size: .92rem; }
.notice { background: var(--warn-bg); color: var(--warn-fg); border-radius: 6px; padding: .6rem .8rem;
  margin: .5rem 0; font-weight: 600; }
.notice small { display: block; font-weight: 400; }
article { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 1rem 1.2rem; margin: 0 0 1.2rem; }
.links { margin: .3rem 0 .6rem; font-size: .95rem; }
.links a { margin-right: .8rem; }
.badge { display: inline-block; font-size: .75rem; font-weight: 700; text-transform: uppercase;
  border-radius: 999px; padding: .1rem .55rem; margin-left: .4rem; vertical-align: middle; }
.badge.unavailable { background: var(--warn-bg); color: var(--warn-fg); }
.badge.failed { background: var(--bad-bg); color: var(--bad-fg); }
.problem { border-left: 4px solid var(--bad-fg); padding-left: .7rem; }
.unverified { color: var(--warn-fg); background: var(--warn-bg); border-radius: 4px; padding: 0 .25rem;
  font-size: .85rem; white-space: nowrap; }
figure { margin: .8rem 0 0; }
figure img { display: block; max-width: 100%; height: auto; border-radius: 6px;
  border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .85rem; margin-top: .3rem; }
figure.comic > a { display: block; cursor: zoom-in; }
figure.comic picture { display: block; }
details.comic-text { margin: .5rem 0 0; }
details.comic-text > summary { cursor: pointer; color: var(--link); font-size: .92rem; }
.comic-text ol { margin: .4rem 0 0; padding: 0; list-style: none; }
.comic-text li { margin: 0 0 .7rem; padding-left: .7rem; border-left: 3px solid var(--line); }
.comic-text p { margin: .15rem 0; }
.comic-text .shows { color: var(--muted); font-size: .92rem; }
@media (max-width: 600px) {
  cite, .unverified { white-space: normal; }
  /* The phone comic spans the screen: its 28 px lettering on a 780 px image stays 14 CSS px at 390. */
  figure.comic img { width: 100vw; max-width: 100vw; margin-left: calc(50% - 50vw); border-radius: 0;
    border-left: 0; border-right: 0; }
}
.quote { font-style: italic; }
cite { color: var(--muted); font-style: normal; font-size: .88rem; white-space: nowrap; }
"""


def html_document(
    title: str, body: list[str], *, card: SocialCard | None = None, extra_css: str = "", csp: str = ""
) -> str:
    """A self-contained page in the digest's template (digest.html, review.html): body lines in <main>."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No scripts, no remote fetches: the page is safe to open even if some text slipped through.
        # csp: what one page adds (the site's index: its search script, by hash, and its index).
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
        f"style-src 'unsafe-inline'{csp}\">",
        f"<title>{escape(title)}</title>",
        *(card.meta_tags() if card else []),
        f"<style>{PAGE_CSS}{extra_css}</style>",
        "</head>",
        "<body><main>",
        *body,
        "</main></body>",
        "</html>",
        "",
    ]
    return "\n".join(out)
