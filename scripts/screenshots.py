"""Screenshots of a conference's current digest at 1280, 768 and 390 px, to look before publishing.

Usage, from the repository root (`make screenshots SLUG=...` runs the first line):

    .venv/bin/python scripts/screenshots.py neurips-2025
    .venv/bin/python scripts/screenshots.py neurips-2025 --reviews --out /tmp/shots --store s3://bucket/prefix

Reads the current release through the configured store (a folder or S3), copies its pages to a
temporary folder (digest.html and review.html are self-contained) and has Debian's headless
Chromium (tests/browser/chrome.py) photograph each whole page at each width:
`artifacts/<slug>/screenshots/digest-<width>.png`, and `<paper id>-<width>.png` with --reviews.
A page wider than its window is reported (exit 1). Exit 2: no browser, or nothing published.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config.settings import get_settings  # noqa: E402
from tasks.publish.release import read_current  # noqa: E402
from tasks.store import store_for  # noqa: E402
from tests.browser.chrome import WIDTHS, missing, open_at, save_full_page, start_chrome  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("slug", help="conference slug, e.g. neurips-2025")
    parser.add_argument("--store", help="artifact store (default: the configured one)")
    parser.add_argument("--out", type=Path, help="folder for the PNGs (default artifacts/<slug>/screenshots)")
    parser.add_argument("--reviews", action="store_true", help="also each paper's review.html")
    args = parser.parse_args()

    if (why := missing()) is not None:
        print(f"screenshots: {why}", file=sys.stderr)
        return 2
    settings = get_settings().with_values(**{"store.uri": args.store})
    store = store_for(settings.store)
    current = read_current(store, args.slug)
    if current is None:
        print(f"screenshots: {args.slug} has no published release in {store.uri}", file=sys.stderr)
        return 2
    out: Path = args.out or Path("artifacts") / args.slug / "screenshots"
    names = ["digest.html"]
    if args.reviews:
        names += sorted(
            path for path in (k.removeprefix(current.prefix + "/") for k in current.manifest.objects)
            if path.endswith("/review.html")
        )  # fmt: skip
    wide = 0
    driver = start_chrome()
    try:
        with tempfile.TemporaryDirectory() as folder:
            for name in names:
                page = Path(folder) / name
                page.parent.mkdir(parents=True, exist_ok=True)
                page.write_bytes(store.get(current.key(name)))
                stem = "digest" if name == "digest.html" else page.parent.name
                for width in WIDTHS:
                    open_at(driver, page.as_uri(), width)
                    shot = save_full_page(driver, out / f"{stem}-{width}.png")
                    scroll = driver.execute_script("return document.documentElement.scrollWidth")
                    note = f"  WIDER THAN THE WINDOW: {scroll} px" if scroll > width else ""
                    wide += bool(note)
                    print(f"{shot}{note}")
    finally:
        driver.quit()
    return 1 if wide else 0


if __name__ == "__main__":
    sys.exit(main())
