"""thread.md: the digest as a thread of posts, one for the year in one page, then one per paper.

Every post is at most 280 characters, counted the strict way (a link in full, or as 23 where it is
shorter; a character outside the common scripts, such as an emoji or CJK, as two), so it fits X,
Mastodon and Bluesky alike. Each post names the image to attach (the cover, or the paper's comic)
with its alt text. Posts sit in fenced blocks: copied as printed, never read as Markdown.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from tasks.markdown import md_text, web_url
from tasks.models import Claim, Digest, PaperResult, PaperStatus
from tasks.publish.overview_render import award_counts

THREAD_FILE = "thread.md"
POST_LIMIT = 280
URL_WEIGHT = 23
_URL_RE = re.compile(r"https?://\S+")


def post_length(text: str) -> int:
    """The length a post counts for: URLs at least 23, wide characters 2, the rest 1."""
    total = 0
    for part in re.split(r"(https?://\S+)", text):
        if _URL_RE.fullmatch(part):
            total += max(len(part), URL_WEIGHT)
        else:
            total += sum(1 if ord(c) < 0x1100 or 0x2000 <= ord(c) <= 0x206F else 2 for c in part)
    return total


def _fits(text: str) -> bool:
    return len(text) <= POST_LIMIT and post_length(text) <= POST_LIMIT


def _cut(text: str, room: int) -> str:
    """Text cut at a word to fit `room` counted characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if post_length(text) <= room:
        return text
    words, out = text.split(), ""
    for word in words:
        candidate = f"{out} {word}".strip()
        if post_length(candidate + "…") > room:
            break
        out = candidate
    return out.rstrip(" ,;:.—-") + "…" if out else ""


def _compose(head: str, body: str, tail: str, *, quoted: bool = False) -> str:
    """head, body and tail (a link, kept whole) in one post: the body is cut to fit, then the head.

    quoted: the body is the paper's own sentence, shown in quotation marks even when cut.
    """
    head, tail = " ".join(head.split()), f" {tail}" if tail else ""
    marks = 2 if quoted else 0
    room = POST_LIMIT - post_length(head) - post_length(tail) - 1 - marks
    if body and room < 40:  # a very long title: shorten it too, keeping room for the body
        head = _cut(head, POST_LIMIT // 2)
        room = POST_LIMIT - post_length(head) - post_length(tail) - 1 - marks
    cut = _cut(body, room) if body else ""
    if cut and quoted:
        cut = f"“{cut}”"
    text = f"{head} {cut}".strip() + tail
    if not _fits(text):  # a head too long even alone: the title is cut, the link stays
        text = _cut(head, POST_LIMIT - post_length(tail)) + tail
    return " ".join(text.split())


def _claim(result: PaperResult) -> Claim | None:
    """The claim a post quotes: the verified claim that is the TL;DR, else the first verified one."""
    summary = result.summary
    if summary is None:
        return None
    verified = summary.verified_claims()
    return next(
        (c for c in verified if c.text.strip() == summary.tldr.strip()), verified[0] if verified else None
    )


def paper_post(result: PaperResult) -> str:
    entry = result.entry
    award = entry.award.value.capitalize()
    link = web_url(entry.landing_url()) or ""
    head = f"{award}: {' '.join(entry.title.split())}."
    if result.status is not PaperStatus.DONE:
        return _compose(head, "Not reviewed: " + (result.error or result.status.value), link)
    claim = _claim(result)
    body = claim.text if claim is not None else ""
    return _compose(head, body, link, quoted=claim is not None and claim.quoted)


def overview_post(digest: Digest) -> str:
    conf = digest.conference
    overview = digest.overview
    head = f"{conf.name}: the award papers in one page."
    parts = []
    if overview is not None:
        parts.append(award_counts(overview, ", ") + ".")
        if overview.themes:
            parts.append(
                "Shared themes: "
                + "; ".join(f"{t.label} ({len(t.papers)} papers)" for t in overview.themes)
                + "."
            )
    else:
        parts.append(f"{len(digest.results)} papers.")
    parts.append("A thread, one post per paper:")
    return _compose(head, " ".join(parts), web_url(conf.url) or "")


def _fenced(text: str, info: str = "text") -> list[str]:
    return [f"```{info}", text.replace("```", "'''"), "```"]


def _image(path: str | None, alt: str) -> list[str]:
    if path is None:
        return ["No image."]
    return [f"Image: `{path}` — its alt text:", "", *_fenced(" ".join(alt.split()), "alt")]


def render_thread(digest: Digest, release_url: str | None = None) -> str:
    """thread.md of a published digest (artifact paths relative to its release).

    release_url: the release folder's absolute address (publish.base_url set): the digest and the
    images are then named by absolute URL.
    """
    conf = digest.conference
    where = (lambda path: urljoin(release_url, path)) if release_url else (lambda path: path)
    posts: list[tuple[str, str, list[str]]] = []
    overview = digest.overview
    cover = overview.cover if overview else None
    cover_alt = (overview.cover_alt or "") if overview else ""
    posts.append(("the year in one page", overview_post(digest), _image(cover and where(cover), cover_alt)))
    for result in digest.results:
        comic = result.artifacts.get("comic.png") if result.status is PaperStatus.DONE else None
        alt = result.comic_alt or f"Comic about {result.entry.title}"
        short = result.entry.title.split(":", 1)[0] if ":" in result.entry.title else result.entry.title[:60]
        posts.append((" ".join(short.split()), paper_post(result), _image(comic and where(comic), alt)))
    lines = [
        f"# {md_text(conf.name)} — award papers: the thread",
        "",
        f"{len(posts)} posts, each at most {POST_LIMIT} characters (links counted in full). Post them "
        "in order, each with the image named under it and its alt text.",
    ]
    if release_url:
        lines += ["", f"The digest: {where('digest.html')}"]
    for number, (name, text, image) in enumerate(posts, 1):
        lines += ["", f"## {number}/{len(posts)} · {md_text(name)} ({post_length(text)} characters)", ""]
        lines += [*_fenced(text), "", *image]
    return "\n".join(lines) + "\n"


def thread_posts(thread_md: str) -> list[str]:
    """The posts of a thread.md, as printed (for checks and the CLI)."""
    return re.findall(r"```text\n(.*?)\n```", thread_md, re.S)
