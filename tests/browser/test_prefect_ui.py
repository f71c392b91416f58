"""A run started the way an operator starts one: in the Prefect UI, from the award-digest form.

A real `prefect server start` (tests/ops/stack.py) and `paperpanels serve` in a subprocess; Chromium
opens the deployment, picks the conference from the dropdown, adds one paper, picks the renderer,
clicks Submit, follows the run to Completed, and finds the digest and progress artifacts in the
digest run's Artifacts tab.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.chrome import missing, set_width
from tests.fixture_conference import CONFERENCES, SLUG, stage_papers
from tests.ops.stack import ROOT, Operator, ops_environment

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

PAPER = "10-18653-v1-n18-3011"  # the shortest fixture paper
TITLE = "Construction of the Literature Graph in Semantic Scholar"
FORM = "award-digest-form/award-digest"
S3_ONLY = ("ENDPOINT_URL", "REGION", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY")


@pytest.fixture(scope="module")
def served(
    prefect_api: str, fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Operator]:
    """The worker's Prefect server with its UI, and `paperpanels serve` running the deployments on it."""
    if (why := missing()) is not None:
        pytest.skip(why)
    work = tmp_path_factory.mktemp("prefect-ui")
    # Every known conference in the dropdown, and the fixture conference among them.
    conferences = work / "conferences"
    shutil.copytree(ROOT / "config" / "conferences", conferences)
    shutil.copy(CONFERENCES / f"{SLUG}.yaml", conferences)
    stage_papers(fixtures_dir, work / "papers", only={PAPER})
    env = ops_environment(prefect_api, "http://127.0.0.1:9", "unused", work, conferences, work / "papers")
    for name in S3_ONLY:  # a local store: no bucket, no result block
        env.pop(f"PAPERPANELS_STORE__{name}", None)
    env.pop("PAPERPANELS_OPS__RESULT_BLOCK", None)
    calendar = work / "no-venues.yaml"
    calendar.write_text("venues: {}\n", encoding="utf-8")
    env.update(PAPERPANELS_STORE__URI=str(work / "store"), PAPERPANELS_HARVEST__CALENDAR_FILE=str(calendar))
    operator = Operator(env, work / "serve.log")
    operator.serve()
    try:
        operator.deployment_id(FORM)
        yield operator
    finally:
        operator.stop()


# The page and the screenshot folder of the running test: a wait that times out shows what was on screen.
_SCREEN: dict[str, Any] = {}


def _until(what: str, check: Callable[[], Any], operator: Operator, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = check()
        except Exception:  # the page is still rendering: elements come and go
            found = None
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(
        f"{what}: not within {timeout} s\n{_on_screen(what)}\n{operator.log.read_text()[-3000:]}"
    )


def _on_screen(what: str) -> str:
    """The page as it was when a wait gave up: its address, its text, and a screenshot."""
    from selenium.webdriver.common.by import By

    browser, shots = _SCREEN.get("browser"), _SCREEN.get("shots")
    if browser is None:
        return ""
    shot = shots / f"timed-out-{re.sub(r'[^a-z0-9]+', '-', what.lower())}.png"
    browser.save_screenshot(str(shot))
    text = browser.find_element(By.TAG_NAME, "body").text
    return f"page {browser.current_url} ({shot}):\n{text[:1500]}"


def _clickable(browser: Any, text: str, scope: Any = None) -> Any:
    """The innermost visible element whose text is exactly `text`: a button, a link, a tab."""
    from selenium.webdriver.common.by import By

    same = f"normalize-space(.)='{text}'"
    for element in (scope or browser).find_elements(By.XPATH, f".//*[{same}][not(.//*[{same}])]"):
        if element.is_displayed():
            return element
    return None


def _press(browser: Any, text: str, operator: Operator) -> None:
    """Click the button or link `text` once it is there and takes clicks (toasts slide in)."""

    from selenium.common.exceptions import ElementClickInterceptedException

    def click() -> bool:
        element = _clickable(browser, text)
        if element is None:
            return False
        try:
            element.click()
        except ElementClickInterceptedException:  # still sliding in: the same click, from the page
            browser.execute_script("arguments[0].click()", element)
        return True

    _until(f"a clickable {text!r}", click, operator)


def _open(browser: Any, text: str, ready: Callable[[], Any], what: str, operator: Operator) -> Any:
    """Press the tab or link `text` until the page shows what it opens (`ready()`, returned).

    What is waited on is the page, not the press: a press on a page still being drawn can land on a
    tab bar that is then drawn again with its first tab open (seen on a loaded box: the Artifacts tab
    pressed just after the URL changed, and the Logs tab still shown 60 s later). So while `ready()`
    is not true, `text` is pressed again, if it is there, at most every PRESS_AGAIN_S seconds: a page
    being drawn is given time, and is not drawn again and again by presses that come too often."""
    last = [0.0]

    def opened() -> Any:
        try:
            found = ready()
        except Exception:  # the page is still rendering: elements come and go
            found = None
        if found or time.monotonic() - last[0] < PRESS_AGAIN_S:
            return found
        if (element := _clickable(browser, text)) is not None:
            with contextlib.suppress(Exception):  # gone between finding and pressing: the next look tries
                browser.execute_script("arguments[0].click()", element)
                last[0] = time.monotonic()
        return None

    return _until(what, opened, operator)


PRESS_AGAIN_S = 5.0


def _field(browser: Any, label: str) -> Any:
    """The form property labelled `label` (the UI renders one block per parameter)."""
    from selenium.webdriver.common.by import By

    block = "contains(concat(' ', normalize-space(@class), ' '), ' schema-form-property ')"
    name = f"span[contains(@class, 'schema-form-property__label') and normalize-space()='{label}']"
    return browser.find_element(By.XPATH, f"//div[{block}][.//{name}]")


def _created_by_the_form(browser: Any, served: Operator) -> list[dict[str, Any]]:
    """The runs the form's Submit created, once the server has one. The test server is on SQLite: when
    two writers upgrade their transactions at once it answers "database is locked" at once (no busy
    wait applies; its server.log shows it), as 503. Prefect's clients retry that; the UI does not and
    shows "Oops. Something went wrong." with no run made (seen with both cores busy). A user presses
    Submit again, and so does this test: at most twice, saying so. A Postgres-backed server does not
    answer so (tests/infra/test_postgres_e2e.py)."""
    from selenium.webdriver.common.by import By

    pressed = {"again": 0, "at": time.monotonic()}

    def created() -> list[dict[str, Any]]:
        runs = served.runs_of(FORM, since=served.started)
        failed = "Something went wrong" in browser.find_element(By.TAG_NAME, "body").text
        if not runs and failed and pressed["again"] < 2 and time.monotonic() - pressed["at"] > 5:
            said = "the Prefect UI said 'Something went wrong' and made no run: Submit again"
            warnings.warn(said, stacklevel=1)
            browser.execute_script("arguments[0].click()", _clickable(browser, "Submit"))
            pressed.update(again=pressed["again"] + 1, at=time.monotonic())
        return runs

    runs: list[dict[str, Any]] = _until("the run the form created", created, served)
    return runs


def test_a_run_from_the_ui_form_shows_its_artifacts(browser: Any, served: Operator, shots: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _SCREEN.update(browser=browser, shots=shots)
    ui = served.env["PREFECT_API_URL"].removesuffix("/api")
    set_width(browser, 1280)
    browser.get(f"{ui}/deployments/deployment/{served.deployment_id(FORM)}")

    # 1. Run > Custom run: the form the deployment's parameter schema renders.
    _press(browser, "Run", served)
    conference = _open(
        browser, "Custom run", lambda: _field(browser, "conference"), "the conference field", served
    )
    choices = Select(conference.find_element(By.TAG_NAME, "select"))
    known = [option.get_attribute("value") for option in choices.options]
    assert SLUG in known and "neurips-2025" in known, known
    choices.select_by_value(SLUG)

    # 2. One paper, and the sketch renderer.
    _clickable(browser, "list", _field(browser, "papers (Optional)")).click()
    _clickable(browser, "Add item", _field(browser, "papers (Optional)")).click()
    item = _until(
        "a papers item",
        lambda: _field(browser, "papers (Optional)").find_element(By.TAG_NAME, "textarea"),
        served,
    )
    item.send_keys(PAPER)
    _clickable(browser, "str", _field(browser, "renderer (Optional)")).click()
    renderer = _until(
        "the renderer choices",
        lambda: _field(browser, "renderer (Optional)").find_element(By.TAG_NAME, "select"),
        served,
    )
    Select(renderer).select_by_value("sketch")
    browser.save_screenshot(str(shots / "prefect-ui-1-form.png"))
    _clickable(browser, "Submit").click()

    # 3. The run the form created (the server's record, not the notice that slides in), to Completed.
    (created,) = _created_by_the_form(browser, served)
    run_id = created["id"]
    browser.get(f"{ui}/runs/flow-run/{run_id}")
    run = served.wait(run_id, timeout=180)
    assert run["state"]["type"] == "COMPLETED", run["state"]
    chosen = {k: run["parameters"].get(k) for k in ("conference", "papers", "renderer")}
    assert chosen == {"conference": SLUG, "papers": [PAPER], "renderer": "sketch"}, run["parameters"]
    header = lambda: browser.find_element(By.TAG_NAME, "body").text  # noqa: E731
    _until("the run shown as Completed", lambda: "Completed" in header(), served)
    browser.save_screenshot(str(shots / "prefect-ui-2-run.png"))

    # 4. The digest run inside it, and its Artifacts tab.
    link = lambda: _clickable(browser, f"{SLUG} digest")  # noqa: E731
    _open(browser, "Subflow Runs", link, "the subflow run's link", served)
    _open(browser, f"{SLUG} digest", lambda: run_id not in browser.current_url, "the digest run page", served)
    shown = _open(
        browser,
        "Artifacts",
        lambda: (text := header()) and "PROGRESS" in text and f"{SLUG}-digest" in text and text,
        "the digest and progress artifacts",
        served,
    )
    assert "papers finished" in shown and "MARKDOWN" in shown and f"{SLUG}-papers" in shown
    digest_run = browser.current_url.split("/runs/flow-run/", 1)[1].split("?")[0].strip("/")
    progress = [a for a in served.artifacts(digest_run) if a["type"] == "progress"]
    assert [a["data"] for a in progress] == [100.0]
    browser.execute_script("arguments[0].scrollIntoView()", _clickable(browser, "Flow run"))
    browser.save_screenshot(str(shots / "prefect-ui-3-artifacts.png"))

    # 5. The digest artifact opens as the rendered markdown digest.
    _open(
        browser, f"{SLUG}-digest", lambda: "/artifacts/" in browser.current_url, "the artifact page", served
    )
    _until("the digest's markdown", lambda: TITLE in header() and "Runner-up" in header(), served)
    browser.save_screenshot(str(shots / "prefect-ui-4-digest-artifact.png"))
    assert (Path(served.env["PAPERPANELS_STORE__URI"]) / SLUG / "current.json").is_file()
