"""The fixture conference published by the real flow: the year in one page, the cover, the cards, the
share kit (thread.md, feed.xml validated by feedparser, `paperpanels share`).

One `award_digest` run (real Prefect engine, local parser, extractive summaries, sketch comics) is
shared by the tests of this module; each test reads what it published.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from PIL import Image
from typer.testing import CliRunner

from flows.cli import app
from tasks.comic.page.cover import COVER_SIZE
from tasks.models import Digest, PaperStatus
from tasks.publish.share import POST_LIMIT, post_length, thread_posts
from tests.fixture_conference import CONFERENCES, SLUG, stage_papers

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def published(
    prefect_harness: None, fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """The store after one digest run of the fixture conference; yields the current release folder."""
    from config.settings import get_settings
    from flows.digest import award_digest

    tmp = tmp_path_factory.mktemp("year-page")
    shutil.copytree(CONFERENCES, tmp / "conferences")
    stage_papers(fixtures_dir, tmp / "papers")
    settings = get_settings().with_values(
        **{
            "store.uri": str(tmp / "store"),
            "conferences_dir": tmp / "conferences",
            "papers_dir": tmp / "papers",
            "harvest.download": False,
            "comic.renderer": "sketch",
            "comic.width": 768,
        }
    )
    award_digest(conference=SLUG, settings=settings)
    yield (tmp / "store" / SLUG / "current").resolve()


def _digest(release: Path) -> Digest:
    return Digest.model_validate_json((release / "digest.json").read_text())


def test_the_digest_opens_with_the_year_in_one_page(published: Path) -> None:
    md = (published / "digest.md").read_text()
    headings = re.findall(r"^## (.+)$", md, re.M)
    assert headings[0] == "The year in one page" and headings[-1] == "Reproducibility"
    overview = md.split("## The year in one page", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"!\[Cover of the Fixture Papers 2020 award digest[^\]]*\]\(cover\.png\)", overview)
    assert r"best paper \(1\) · runner-up \(1\) · honorable mention \(1\) · test of time \(1\)" in overview
    assert "**scientific documents** — 3 papers:" in overview
    assert "*In no shared theme:* An Improved Multi-Output Gaussian Process RNN" in overview

    digest = _digest(published)
    assert digest.overview is not None and digest.overview.cover == "cover.png"
    assert [t.label for t in digest.overview.themes] == ["scientific documents"]
    html = (published / "digest.html").read_text()
    assert html.index('id="overview"') < html.index("<h2>Best paper</h2>")
    assert re.search(r'<figure class="cover"><img src="data:image/webp;base64,', html)
    # The cover is the page's social card (issue 17's tags).
    assert '<meta property="og:image" content="cover.png">' in html


def test_the_cover_is_one_panel_per_paper_under_the_title(published: Path) -> None:
    with Image.open(published / "cover.png") as cover:
        assert cover.format == "PNG" and cover.size == COVER_SIZE
        band = cover.convert("RGB").getpixel((5, 5))
        grid = cover.convert("RGB").crop((0, 130, 1200, 620))
    assert band == (0x22, 0x31, 0x3F)  # the title band
    assert len(grid.getcolors(maxcolors=1 << 20) or []) > 200  # four comic panels, not an empty page
    digest = _digest(published)
    assert digest.overview is not None and digest.overview.cover_alt is not None
    assert "one comic panel from each of 4 papers" in digest.overview.cover_alt
    manifest = json.loads((published / "manifest.json").read_text())
    assert any(key.endswith("/cover.png") for key in manifest["objects"])


def test_every_paper_has_a_card_citing_the_paper(published: Path) -> None:
    digest = _digest(published)
    assert all(r.status is PaperStatus.DONE and r.repro is not None for r in digest.results)
    specter = next(r for r in digest.results if r.entry.title.startswith("SPECTER"))
    assert specter.repro is not None
    assert [c.url for c in specter.repro.code] == ["https://github.com/allenai/specter"]
    assert any(
        d.value == "SCIDOCS" and d.url == "https://github.com/allenai/scidocs" for d in specter.repro.datasets
    )
    assert [c.status for c in specter.repro.licences] == ["not checked"]  # the tests run offline
    review = (published / specter.artifacts["review.md"]).read_text()
    card = review.split("## Reproducibility", 1)[1].split("\n## ", 1)[0]
    assert (
        "— *4 Experiments, paragraph 2*: “We release our code and data to facilitate reproducibility.”"
        in card
    )
    assert "offline: downloads are off" in card
    assert "Reproducibility" in (published / specter.artifacts["review.html"]).read_text()
    table = (published / "digest.md").read_text().split("## Reproducibility", 1)[1]
    assert table.count("\n| ") == 1 + len(digest.results)  # header and one row per paper
    assert "[allenai/specter](https://github.com/allenai/specter)" in table


def test_the_share_kit_validates(published: Path) -> None:
    digest = _digest(published)
    thread = (published / "thread.md").read_text()
    posts = thread_posts(thread)
    assert len(posts) == 1 + len(digest.results)
    assert all(len(p) <= POST_LIMIT and post_length(p) <= POST_LIMIT for p in posts)
    assert "Shared themes: scientific documents (3 papers)" in posts[0]
    for result, post in zip(digest.results, posts[1:], strict=True):
        assert result.entry.title.split(":")[0] in post
        link = result.entry.landing_url()
        assert link is None or post.endswith(link)
        assert (
            f"Image: `{result.artifacts['comic.png']}`" in thread
            and (published / result.artifacts["comic.png"]).is_file()
        )
        assert " ".join((result.comic_alt or "").split()) in thread

    store = published.parents[2]
    feed = feedparser.parse((store / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    (entry,) = feed.entries
    release = published.name
    assert entry.link == f"{SLUG}/releases/{release}/digest.html" and (store / entry.link).is_file()
    assert "scientific documents (3 papers)" in entry.summary
    assert {link.href for link in entry.links} >= {f"{SLUG}/releases/{release}/cover.png"}

    result = CliRunner().invoke(app, ["share", SLUG, "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert result.stdout == thread
    posts_only = CliRunner().invoke(app, ["share", SLUG, "--store", str(store), "--posts"])
    assert posts_only.stdout.strip().split("\n\n") == posts
    missing = CliRunner().invoke(app, ["share", "neurips-1999", "--store", str(store)])
    assert missing.exit_code == 2 and "nothing is published" in missing.stderr
