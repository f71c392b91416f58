"""The comic as text in the published pages: a real paper's comic, published, in digest.html and review.html.

The image keeps a short alt text and points at the text version (aria-describedby); a visible
"Read this comic as text" link leads to it; the text version tells every panel. (The browser check,
with axe-core, is in tests/browser/test_pages.py.)
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from tasks.comic.draw import comic_json
from tasks.comic.script.checks import ALT_CHARS
from tasks.models import (
    AwardEntry,
    AwardKind,
    ComicMeta,
    ComicText,
    ComicTextPanel,
    Conference,
    DialogueLine,
    Digest,
    PaperIds,
    PaperResult,
    PaperStatus,
    StageName,
    StageOutcome,
    StageState,
    StageStatus,
)
from tasks.publish.comic_html import TEXT_LINK, comic_html
from tasks.publish.publisher import paper_result, publish
from tasks.repro.card import paper_card
from tasks.store.local import LocalStore
from tests.comic.real_comic import RealComic, real_comic

SLUG = "acl-2020"


@pytest.fixture(scope="module")
def specter(fixture_pdfs: dict[str, Path]) -> RealComic:
    return real_comic(fixture_pdfs["specter"], "2004.07180")


def _publish(root: Path, made: RealComic, meta: ComicMeta) -> Path:
    """The paper published with its comic (comic.json as given) and figures: the release folder."""
    store = LocalStore(root)
    entry = AwardEntry(title=made.parsed.title, award=AwardKind.BEST_PAPER, ids=PaperIds(arxiv="2004.07180"))
    put = lambda name, body: store.put(f"{SLUG}/papers/{entry.paper_id}/{name}", body)  # noqa: E731
    comic = made.comic
    comic_outputs = {
        "comic.png": put("comic.png", comic.png),
        "comic.webp": put("comic.webp", comic.webp),
        "comic-mobile.webp": put("comic-mobile.webp", comic.mobile_webp),
        "comic.json": put("comic.json", comic_json(meta)),
        "figures.json": put("figures.json", comic.figures.index().model_dump_json().encode()),
    }
    comic_outputs |= {f.ref.file: put(f.ref.file, f.png) for f in comic.figures.figures}
    done = StageStatus(state=StageState.DONE)
    outcomes = {
        StageName.ACQUIRE: StageOutcome(status=done),
        StageName.PARSE: StageOutcome(
            status=done, outputs={"parsed.json": put("parsed.json", made.parsed.model_dump_json().encode())}
        ),
        StageName.REPRO: StageOutcome(
            status=done,
            outputs={"repro.json": put("repro.json", paper_card(made.parsed).model_dump_json().encode())},
        ),
        StageName.SUMMARIZE: StageOutcome(
            status=done,
            outputs={"summary.json": put("summary.json", made.summary.model_dump_json().encode())},
        ),
        StageName.COMIC: StageOutcome(status=done, outputs=comic_outputs),
    }
    conference = Conference(slug=SLUG, name="ACL 2020", year=2020, entries=[entry])
    publish(conference, [paper_result(entry, outcomes, store)], store)
    return root / SLUG / "current"


def _pages(release: Path) -> dict[str, lxml.html.HtmlElement]:
    reviews = list(release.glob("papers/*/review.html"))
    assert len(reviews) == 1, reviews
    pages = {"digest": release / "digest.html", "review": reviews[0]}
    return {name: lxml.html.fromstring(path.read_text(encoding="utf-8")) for name, path in pages.items()}


def _words(text: str) -> str:
    return " ".join(text.split())


def _text_version(page: lxml.html.HtmlElement) -> tuple[lxml.html.HtmlElement, str]:
    """The comic's text version, which the visible link leads into, and the image's alt text.

    The image's aria-describedby names an element that exists and says the same as the text version.
    """
    (img,) = page.xpath('//figure[@class="comic"]//img')
    links = page.xpath("//a[normalize-space()=$text]", text=TEXT_LINK)
    assert len(links) == 1 and links[0].get("href", "").startswith("#"), "no visible link to the text version"
    shown = page.xpath("//*[@id=$id]", id=links[0].get("href")[1:])
    assert len(shown) == 1, f"the link leads to {len(shown)} elements"
    target = img.get("aria-describedby")
    assert target, "the comic image points at no description"
    described = page.xpath("//*[@id=$id]", id=target)
    assert len(described) == 1, f"aria-describedby={target!r} names {len(described)} elements"
    assert _words(described[0].text_content()) == _words(shown[0].text_content())
    return shown[0], img.get("alt") or ""


def test_both_pages_link_the_comic_to_its_text_version(specter: RealComic, tmp_path: Path) -> None:
    release = _publish(tmp_path, specter, specter.comic.meta)
    script = specter.comic.meta.script
    for name, page in _pages(release).items():
        described, alt = _text_version(page)
        assert 0 < len(alt) <= ALT_CHARS, name
        assert described.xpath("ancestor::details"), f"{name}: the text version opens without a script"
        panels = described.xpath(".//li")
        assert len(panels) == len(script.panels), name
        for shown, panel in zip(panels, script.panels, strict=True):
            said = _words(shown.text_content())
            assert _words(panel.caption) in said and _words(panel.scene) in said, name
            for line in panel.dialogue:
                assert f"{line.speaker} says: “{_words(line.text)}”" in said, name
        figure = next(
            f.ref for f in specter.comic.figures.figures if f.ref.number in specter.comic.meta.figures
        )
        assert f"{figure.label} of the paper" in _words(described.text_content())
        assert figure.caption.split(":", 1)[1].strip() in described.text_content()


def test_a_comic_stored_before_the_text_version_still_gets_one(specter: RealComic, tmp_path: Path) -> None:
    older = specter.comic.meta.model_copy(update={"text": None})
    assert b'"text": null' in comic_json(older)
    release = _publish(tmp_path, specter, older)
    for name, page in _pages(release).items():
        described, _ = _text_version(page)
        assert len(described.xpath(".//li")) == len(older.script.panels), name
        # The figure's caption comes from figures.json, stored beside comic.json.
        assert "Overview of SPECTER" in described.text_content(), name
    digest = Digest.model_validate_json((release / "digest.json").read_text())
    assert digest.results[0].comic_text == specter.comic.meta.text


def test_the_text_version_is_escaped_and_without_one_nothing_points_nowhere() -> None:
    hostile = '<img src=x onerror=alert(1)> & "Friends"'
    text = ComicText(
        title=hostile,
        panels=[
            ComicTextPanel(
                caption=hostile, dialogue=[DialogueLine(speaker=hostile, text=hostile)], shows=hostile
            )
        ]
        * 3,
    )
    entry = AwardEntry(title=hostile, award=AwardKind.RUNNER_UP, id="p1")
    result = PaperResult(paper_id="p1", entry=entry, status=PaperStatus.DONE, comic_text=text)
    block = comic_html(result, b"RIFF....WEBP", None, full=None, lazy=False)
    page = lxml.html.fromstring(f"<div>{block}</div>")
    assert not page.xpath("//img[@onerror]") and len(page.xpath("//img")) == 1
    assert (
        page.xpath("//*[@id='comic-text-p1']//li")[0].text_content().count(hostile) == 4
    )  # caption, speaker, line, scene
    bare = comic_html(
        result.model_copy(update={"comic_text": None}), b"RIFF....WEBP", None, full=None, lazy=False
    )
    assert "aria-describedby" not in bare and TEXT_LINK not in bare and "<details" not in bare
