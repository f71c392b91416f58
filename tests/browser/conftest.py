"""Browser tests: one headless Chromium for the session, a published digest, axe-core, screenshots.

They skip, saying why, where Debian's chromium / chromium-driver are not installed (make install
installs them where it can: infra/browser-local.sh). Screenshots go to `<pytest basetemp>/screenshots`,
named in the summary at the end of the run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.chrome import missing, start_chrome
from tests.fixture_conference import CONFERENCES, SLUG, stage_papers
from tests.sharing import cache_root, made_once

AXE_VERSION = "4.14.1"  # axe-core from the npm registry, installed into a cache outside the repo
NPM_TIMEOUT_S = 180
UNAVAILABLE = "1708.05894"  # the fixture paper whose PDF the published digest lacks
SHOTS = pytest.StashKey[Path]()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium (Selenium + chromedriver) shared by every browser test."""
    if (why := missing()) is not None:
        pytest.skip(why)
    driver = start_chrome()
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def shots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder screenshots are written to (not in the repository)."""
    folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(exist_ok=True)
    request.config.stash[SHOTS] = folder
    return folder


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker: hand the screenshot folder to the controller (tests/conftest.py)."""
    folder = session.config.stash.get(SHOTS, None)
    output = getattr(session.config, "workeroutput", None)
    if folder is not None and output is not None:
        output["screenshots"] = str(folder)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """In one process; under pytest-xdist the controller prints the workers' (tests/conftest.py)."""
    folder = config.stash.get(SHOTS, None)
    if folder is not None and any(folder.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {folder}")


def _cache_dir() -> Path:
    return cache_root() / f"axe-core-{AXE_VERSION}"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's axe.min.js, installed with npm on first use into a cache (never committed)."""
    prefix = _cache_dir()
    script = prefix / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm not found: axe-core cannot be installed (apt-get install npm)")
        prefix.mkdir(parents=True, exist_ok=True)
        command = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--no-save"]
        try:
            done = subprocess.run(
                [*command, f"axe-core@{AXE_VERSION}"], capture_output=True, timeout=NPM_TIMEOUT_S, text=True
            )
        except subprocess.TimeoutExpired:
            pytest.skip(f"npm install axe-core@{AXE_VERSION}: no answer in {NPM_TIMEOUT_S} s")
        if done.returncode != 0 or not script.is_file():
            pytest.skip(f"npm install axe-core@{AXE_VERSION} failed: {done.stderr.strip()[-500:]}")
    return script.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def published(prefect_harness: None, fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The current release folder of the fixture conference, published by the real flow.

    Three papers done (sketch comics, extractive summaries) and one without its PDF, so the page
    carries fallback banners, an unavailable paper with a long reason, comics and review pages.
    Published once per test run (tests/sharing.py): every worker's browser tests read the same
    release, and none of them writes to it.
    """
    made = made_once(tmp_path_factory, "browser-published", lambda work: _publish(work, fixtures_dir))
    store = made / "store"
    pointer = json.loads((store / SLUG / "current.json").read_text())
    return store / SLUG / "releases" / pointer["release"]


def _publish(work: Path, fixtures_dir: Path) -> None:
    from config.settings import get_settings
    from flows.digest import award_digest

    conferences = work / "conferences"
    shutil.copytree(CONFERENCES, conferences)
    staged = stage_papers(fixtures_dir, work / "papers")
    staged[UNAVAILABLE].unlink()
    with pytest.MonkeyPatch.context() as env:
        for name in [n for n in os.environ if n.startswith("PAPERPANELS_")]:
            env.delenv(name)
        get_settings.cache_clear()
        settings = get_settings().with_values(
            **{
                "store.uri": str(work / "store"),
                "conferences_dir": conferences,
                "papers_dir": work / "papers",
                "harvest.download": False,
                "comic.renderer": "sketch",
                "comic.width": 1024,
            }
        )
        get_settings.cache_clear()
        award_digest(conference=SLUG, settings=settings)
