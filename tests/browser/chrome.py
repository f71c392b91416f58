"""Debian's Chromium driven by Selenium through Debian's chromedriver: no browser is ever downloaded.

Shared by the browser tests (tests/browser/) and `make screenshots` (scripts/screenshots.py).
`infra/browser-local.sh` (run by `make install`) installs the `chromium` and `chromium-driver`
packages where they are missing.
"""

from __future__ import annotations

import base64
import os
import shutil
import time
from pathlib import Path
from typing import Any

WIDTHS = (1280, 768, 390)  # desktop, tablet, phone (CSS px)
HEIGHT = 900
MAX_SHOT_PX = 16_000  # Chromium refuses taller captures
CHROMIUM = os.environ.get("PAPERPANELS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = (
    os.environ.get("PAPERPANELS_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
)


def missing() -> str | None:
    """Why no browser can be driven here (for a skip), or None."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return (
                f"{path} not found: install Debian's {package} package "
                "(infra/browser-local.sh, run by `make install`, does where it can)"
            )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


def start_chrome() -> Any:
    """A headless Chromium session with a 1280 x 900 window."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",  # root in containers and CI
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--hide-scrollbars",  # screenshots show the page, not the window's scroll bar
        "--force-device-scale-factor=1",
        "--lang=en-US",
        f"--window-size=1280,{HEIGHT}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def set_width(driver: Any, width: int, height: int = HEIGHT) -> None:
    """Make the viewport exactly `width` CSS px wide (a desktop window, not a zoomed phone)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def open_at(driver: Any, url: str, width: int) -> None:
    """Open url at this width, scrolled through so that lazy images load, then back at the top."""
    set_width(driver, width)
    driver.get(url)
    load_everything(driver)


def load_everything(driver: Any, timeout_s: float = 15.0) -> None:
    """Scroll down the page a screen at a time (lazy images load as they come near), wait for images."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    step = int(driver.execute_script("return window.innerHeight")) or HEIGHT
    for y in range(0, height + step, step):
        driver.execute_script("window.scrollTo(0, arguments[0])", y)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if driver.execute_script("return Array.from(document.images).every(i => i.complete)"):
            break
        time.sleep(0.1)
    driver.execute_script("window.scrollTo(0, 0)")


def save_full_page(driver: Any, path: Path) -> Path:
    """The whole page (up to MAX_SHOT_PX tall) as a PNG at path."""
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], MAX_SHOT_PX), "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
