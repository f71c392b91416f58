"""Readable on a phone: one column, lettering of 14 CSS px at 390 px, the full size a tap away."""

from __future__ import annotations

import io
import itertools
import re

from PIL import Image

from tasks.comic.draw import draw_comic
from tasks.comic.page.mobile import CSS_WIDTH, MOBILE_WIDTH, compose_mobile
from tasks.models import (
    AwardEntry,
    AwardKind,
    ComicPanel,
    ComicScript,
    Conference,
    DialogueLine,
    Digest,
    PaperResult,
    PaperStatus,
    PaperSummary,
    StageName,
    StageState,
    StageStatus,
)
from tasks.publish.digest import render_html

LONG = "Gated attention removes the attention sink and improves the stability of training at scale. " * 2


def _script(n: int) -> ComicScript:
    panels = [
        ComicPanel(
            scene="Pip waves",
            caption=LONG.strip(),
            dialogue=[DialogueLine(speaker="Pip", text="So that is how the gate keeps the sink away!")] * 2,
        )
        for _ in range(n)
    ]
    panels[1] = panels[1].model_copy(update={"figure": 2, "callout": "3.1 point"})
    return ComicScript(title="A Long Title About Gated Attention for Large Language Models", panels=panels)


def test_phone_page_is_one_column_with_lettering_of_14_css_px() -> None:
    figure = Image.new("RGB", (600, 300), (30, 90, 200))
    page, report = compose_mobile(
        [Image.new("RGB", (400, 400), (200, 220, 240))] * 5,
        _script(5),
        credit="“A Long Title” · 2505.06708 · art: sketch renderer (sketch-2), seed 1",
        renderer_label="sketch renderer — no diffusion model",
        figures={2: figure},
    )
    assert page.width == MOBILE_WIDTH and report.grid == (5, 1)
    assert not report.uncontained()
    css_px = [box.font_size * CSS_WIDTH / page.width for box in report.boxes]
    assert min(css_px) >= 14, sorted({(b.kind, b.font_size) for b in report.boxes})
    assert {b.kind for b in report.boxes} >= {
        "title",
        "caption",
        "balloon",
        "number",
        "credit",
        "label",
        "callout",
        "tag",
    }
    assert not any(b.truncated for b in report.boxes if b.kind == "caption"), "bands grow to hold captions"
    rects = report.panel_rects
    assert all(r[0] == rects[0][0] and r[2] == rects[0][2] for r in rects)  # one column, full width
    assert all(a[3] < b[1] for a, b in itertools.pairwise(rects))  # stacked top to bottom
    assert rects[0][3] - rects[0][1] == rects[0][2] - rects[0][0]  # square panels stay square


def test_draw_comic_makes_the_phone_variant(small_summary: PaperSummary) -> None:
    out = draw_comic(
        small_summary, paper_title="Gated Attention", paper_id="p1", renderer="sketch", width=1024
    )
    phone = Image.open(io.BytesIO(out.mobile_webp))
    assert phone.format == "WEBP" and phone.size == out.meta.mobile_size and phone.width == MOBILE_WIDTH
    assert out.mobile_report is not None and not out.mobile_report.uncontained()
    assert phone.height > phone.width * len(out.meta.script.panels) * 0.8  # the panels, stacked


def _digest(comic_png: bool) -> Digest:
    entry = AwardEntry(title="SPECTER", award=AwardKind.BEST_PAPER, id="2004.07180")
    artifacts = {"comic.png": "papers/2004.07180/comic.png"} if comic_png else {}
    result = PaperResult(
        paper_id=entry.paper_id,
        entry=entry,
        status=PaperStatus.DONE,
        stages={s: StageStatus(state=StageState.DONE) for s in StageName},
        artifacts=artifacts,
        comic_alt="A four-panel comic about “SPECTER”.",
    )
    return Digest(
        conference=Conference(slug="acl-2020", name="ACL 2020", year=2020, entries=[entry]), results=[result]
    )


def test_digest_html_picks_the_phone_variant_and_links_the_full_size() -> None:
    wide, phone = b"RIFFwide", b"RIFFphone"
    page = render_html(_digest(comic_png=True), {"2004.07180": wide}, {"2004.07180": phone})
    figure = re.search(r'<figure class="comic">.*?</figure>', page, re.S)
    assert figure is not None
    html = figure.group(0)
    assert html.startswith('<figure class="comic"><a href="papers/2004.07180/comic.png"')
    assert '<source media="(max-width: 600px)" srcset="data:image/webp;base64,UklGRnBob25l">' in html
    assert '<img src="data:image/webp;base64,UklGRndpZGU="' in html and "</picture></a>" in html
    assert "img-src data:" in page and "@media (max-width: 600px)" in page and "100vw" in page
    # Without the release's comic.png there is nothing to link to; without a phone variant, no <picture>.
    bare = render_html(_digest(comic_png=False), {"2004.07180": wide})
    assert (
        "<picture>" not in bare
        and "<a href=" not in bare.split('<figure class="comic">')[1].split("</figure>")[0]
    )
