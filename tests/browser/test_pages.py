"""digest.html and review.html as people see them: Chromium at 1280, 768 and 390 CSS px.

The pages are a real release of the fixture conference (tests/browser/conftest.py): what is checked
is what a reader gets: nothing wider than the screen, every image shown, every link going somewhere
that exists, comics opening full size with lettering readable on a phone, no serious accessibility
violation (axe-core), and link previews that name an image the release holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from tasks.comic.page.mobile import MIN_TEXT_PX
from tasks.comic.script.checks import ALT_CHARS
from tasks.publish.comic_html import TEXT_LINK
from tests.browser.chrome import WIDTHS, open_at, save_full_page, set_width

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

MIN_LETTERING_CSS_PX = 14  # on a phone
PHONE = 390

PAGE_FACTS = """
const vw = window.innerWidth;
const wide = Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > vw + 0.5)
  .slice(0, 5)
  .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${(e.textContent || '').trim().slice(0, 60)}`);
const comics = Array.from(document.querySelectorAll('figure.comic img')).map(img => {
  const source = img.closest('picture') && img.closest('picture').querySelector('source');
  const link = img.closest('a');
  return {current: img.currentSrc, phone: source ? source.srcset : null, natural: img.naturalWidth,
          shown: img.getBoundingClientRect().width, link: link ? link.href : null};
});
return {
  scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, wide: wide,
  images: Array.from(document.images).map(i => ({src: i.currentSrc.slice(0, 40), complete: i.complete,
    natural: i.naturalWidth, alt: i.getAttribute('alt')})),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  comics: comics,
  viewport: (document.querySelector('meta[name=viewport]') || {}).content || '',
  meta: Object.fromEntries(Array.from(document.querySelectorAll('meta[property], meta[name]'))
    .map(m => [m.getAttribute('property') || m.getAttribute('name'), m.content])),
};
"""


def _pages(release: Path) -> list[Path]:
    return [release / "digest.html", *sorted(release.glob("papers/*/review.html"))]


def _file(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def _problems(facts: dict[str, Any], width: int) -> list[str]:
    """Everything a reader at this width would find wrong with the page."""
    found = []
    if facts["scrollWidth"] > facts["innerWidth"]:
        found.append(f"{facts['scrollWidth']} px wide in a {facts['innerWidth']} px window: {facts['wide']}")
    for image in facts["images"]:
        if not image["complete"] or image["natural"] == 0:
            found.append(f"image not shown: {image['src']}")
        alt = image["alt"] or ""
        if not alt.strip() or len(alt) > ALT_CHARS:
            found.append(f"alt text of {len(alt)} characters (1..{ALT_CHARS}): {image['src']}")
    for url in facts["links"]:
        scheme = urlsplit(url).scheme
        if scheme == "file":
            if not _file(url).exists():
                found.append(f"link to a missing file: {url}")
        elif scheme not in ("http", "https"):
            found.append(f"link neither http(s) nor a file of the release: {url}")
    for comic in facts["comics"]:
        full = comic["link"] or ""
        if not full.endswith("/comic.png") or not _file(full).is_file():
            found.append(f"comic not linked to its full-size comic.png: {comic['link']}")
        if width == PHONE:
            if comic["current"] != comic["phone"]:
                found.append("the phone shows the wide comic, not comic-mobile.webp")
            lettering = MIN_TEXT_PX * comic["shown"] / max(comic["natural"], 1)
            if lettering < MIN_LETTERING_CSS_PX:
                found.append(f"comic lettering {lettering:.1f} CSS px on a phone (< {MIN_LETTERING_CSS_PX})")
    if "user-scalable=no" in facts["viewport"] or "maximum-scale=1" in facts["viewport"]:
        found.append(f"pinch-zoom disabled: {facts['viewport']}")
    return found


def test_pages_fit_show_everything_and_link_to_what_exists(
    browser: Any, published: Path, shots: Path
) -> None:
    problems: dict[str, list[str]] = {}
    comics_seen = 0
    for page in _pages(published):
        name = page.parent.name if page.name == "review.html" else "digest"
        for width in WIDTHS:
            open_at(browser, page.as_uri(), width)
            facts = browser.execute_script(PAGE_FACTS)
            comics_seen += len(facts["comics"])
            if found := _problems(facts, width):
                problems[f"{name} at {width} px"] = found
            if name == "digest" or page == _pages(published)[1]:
                save_full_page(browser, shots / f"{name}-{width}.png")
    assert not problems, problems
    # Three reviewed papers: each comic on the digest and on its review page, at three widths.
    assert comics_seen == 3 * 2 * len(WIDTHS)


def test_digest_links_reviews_comics_open_full_size_and_previews_name_them(
    browser: Any, published: Path
) -> None:
    from PIL import Image
    from selenium.webdriver.common.by import By

    open_at(browser, (published / "digest.html").as_uri(), 1280)
    facts = browser.execute_script(PAGE_FACTS)
    reviews = [url for url in facts["links"] if url.endswith("/review.html")]
    assert len(reviews) == 3, facts["links"]
    meta = facts["meta"]
    assert meta["og:title"] == meta["twitter:title"] and "Fixture Papers 2020" in meta["og:title"]
    assert "3 done · 1 unavailable" in meta["og:description"]
    assert meta["twitter:card"] == "summary_large_image"
    # The preview image: the cover of the year, else a comic; a PNG of the release either way.
    assert meta["og:image"].endswith(".png") and (published / meta["og:image"]).is_file()
    assert meta["og:image:alt"] and len(meta["og:image:alt"]) <= ALT_CHARS + 20

    # A reader clicks the first comic: the full-size comic.png opens.
    shown = browser.find_element(By.CSS_SELECTOR, "figure.comic img")
    shown_width = shown.rect["width"]
    shown.click()
    assert browser.current_url.endswith("/comic.png")
    natural = browser.execute_script("return document.images[0].naturalWidth")
    with Image.open(_file(browser.current_url)) as png:
        assert natural == png.width > shown_width

    # A review page: readable HTML in the digest's template, back link, its own preview.
    browser.get(reviews[0])
    review = browser.execute_script(PAGE_FACTS)
    assert browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_element(By.CSS_SELECTOR, "h2").text == "Summary"
    assert any(url.endswith("/digest.html") for url in review["links"])
    assert review["meta"]["og:type"] == "article" and review["meta"]["og:image"] == "comic.png"
    assert review["meta"]["og:description"] and "#" not in review["meta"]["og:description"]


AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']})
  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))
  .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
"""


def test_axe_finds_what_it_should(browser: Any, axe_source: str, tmp_path: Path) -> None:
    """The check can fail: an image without alt text and grey-on-grey text are reported."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>bad</title></head><body><main>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p style="color:#aaa;background:#bbb">hard to read</p></main></body></html>'
    )
    browser.get(bad.as_uri())
    browser.execute_script(axe_source)
    browser.set_script_timeout(60)
    found = {v["id"]: v["impact"] for v in browser.execute_async_script(AXE_RUN)}
    assert found.get("image-alt") == "critical" and found.get("color-contrast") == "serious", found


TEXT_OF = """
const shown = document.getElementById(arguments[0]);
const details = shown && shown.closest('details');
return {panels: shown ? Array.from(shown.querySelectorAll('li')).map(li => li.textContent) : [],
        open: Boolean(details && details.open)};
"""


def _ax_descriptions(browser: Any, selector: str) -> list[str]:
    """The accessible description of each element matching `selector`, as Chromium gives screen readers."""
    root = browser.execute_cdp_cmd("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    nodes = browser.execute_cdp_cmd("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]
    found = []
    for node in nodes:
        tree = browser.execute_cdp_cmd(
            "Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False}
        )
        found.append(str(tree["nodes"][0].get("description", {}).get("value", "")))
    return found


def _open_text_versions(browser: Any) -> list[str]:
    """Follow every comic's "Read this comic as text" link, as a reader would (no script of the page).

    Returns what is wrong: a comic whose image is not described by its text version while it is
    closed (what a screen reader gets), a link that leads nowhere, a text version it leaves closed.
    """
    from selenium.webdriver.common.by import By

    found = []
    links = browser.find_elements(By.LINK_TEXT, TEXT_LINK)
    comics = browser.find_elements(By.CSS_SELECTOR, "figure.comic img")
    if len(links) != len(comics):
        found.append(f"{len(comics)} comics but {len(links)} '{TEXT_LINK}' links")
    descriptions = _ax_descriptions(browser, "figure.comic img")  # every text version still closed
    for description, link in zip(descriptions, links, strict=False):
        target = link.get_attribute("href").partition("#")[2]
        text = browser.execute_script(TEXT_OF, target)
        said = "".join(description.split())
        missing = [p for p in text["panels"] if "".join(p.split()) not in said]
        if not text["panels"] or missing:
            found.append(
                f"image of #{target} not described by its {len(text['panels'])} panels: {missing[:1]}"
            )
        link.click()
        if (
            not browser.current_url.endswith(f"#{target}")
            or not browser.execute_script(TEXT_OF, target)["open"]
        ):
            found.append(f"'{TEXT_LINK}' did not open #{target}")
    return found


@pytest.mark.parametrize(("scheme", "width"), [("light", 1280), ("dark", 1280), ("light", PHONE)])
def test_no_serious_accessibility_violations(
    browser: Any, published: Path, axe_source: str, scheme: str, width: int
) -> None:
    """axe-core on the digest and a review page with every comic's text version open."""
    # The pages allow no scripts (CSP): axe is injected by the test, past the policy.
    browser.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
    )
    browser.set_script_timeout(60)
    found = {}
    try:
        for page in _pages(published)[:2]:  # the digest and one review page
            set_width(browser, width)
            browser.get(page.as_uri())
            if problems := _open_text_versions(browser):
                found[f"{page.name}: text versions"] = problems
            browser.execute_script(axe_source)
            violations = browser.execute_async_script(AXE_RUN)
            serious = [v for v in violations if v["impact"] in ("serious", "critical")]
            if serious:
                found[page.name] = serious
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        browser.execute_cdp_cmd("Page.setBypassCSP", {"enabled": False})
    assert not found, found
