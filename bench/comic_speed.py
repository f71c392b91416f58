"""Sketch renderer cost per page, one process: script, panels, page, encoding (PNG + WebP variants).

    taskset -c 0 .venv/bin/python bench/comic_speed.py            # one core, the figure in the note
    .venv/bin/python bench/comic_speed.py --pages 20 --width 2048

Draws `--pages` comics of different summaries after one warm-up (fonts, imports) and prints
seconds per page, the split by step from comic.json's timings (the wide page: script, panels,
lettering, PNG + WebP; the phone page apart), and the sizes of the files it makes.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.comic.draw import draw_comic
from tasks.models import Claim, Evidence, PaperSummary


def _claim(text: str) -> Claim:
    return Claim(text=text, evidence=[Evidence(quote=text, location="Abstract", verified=True)])


TOPICS = ["attention", "retrieval", "dropout", "translation", "sepsis", "citation graphs", "robots", "images"]


def summary(i: int) -> PaperSummary:
    """A different summary per page, so text measurement caches do not flatter later pages."""
    topic = TOPICS[i % len(TOPICS)]
    return PaperSummary(
        what_was_done=[
            _claim(
                f"We propose a head-specific sigmoid gate for {topic} after scaled dot-product attention."
            ),
            _claim(f"We train more than thirty dense and mixture-of-experts models on {topic}, run {i}."),
            _claim(
                f"The gate lowers perplexity by 0.2 on {topic} and removes the attention sink in every size."
            ),
        ],
        why_it_matters=[
            _claim(
                f"Long-context models of {topic} waste attention on the first token, "
                "which hurts extrapolation."
            ),
            _claim(
                f"Practitioners of {topic} can adopt the change with one line of code and train more stably."
            ),
        ],
        tldr=f"A sigmoid gate after attention makes large models of {topic} more stable.",
        tldr_checked=True,
        generator="extractive",
        fallback=True,
    )


SUMMARY = summary(0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--width", type=int, default=2048)
    args = ap.parse_args()
    kwargs = {"paper_title": "Gated Attention for Large Language Models", "renderer": "sketch"}
    draw_comic(summary(99), paper_id="warm-up", width=args.width, **kwargs)  # type: ignore[arg-type]
    walls: list[float] = []
    steps: dict[str, list[float]] = {}
    out = None
    for i in range(args.pages):
        started = time.perf_counter()
        out = draw_comic(summary(i), paper_id=f"paper-{i}", width=args.width, **kwargs)  # type: ignore[arg-type]
        walls.append(time.perf_counter() - started)
        for name, seconds in out.meta.timings.items():
            steps.setdefault(name, []).append(seconds)
    assert out is not None
    page = Image.open(io.BytesIO(out.png))
    median = {name: statistics.median(values) for name, values in steps.items()}
    print(
        f"sketch comic, {page.width}x{page.height} px, {len(out.meta.script.panels)} panels, "
        f"{args.pages} pages"
    )
    print(f"  per page, everything: median {statistics.median(walls):.3f} s, min {min(walls):.3f} s")
    wide = sum(v for k, v in median.items() if k != "mobile_s")
    print(
        f"  the wide page alone (comic.png + comic.webp): {wide:.3f} s; "
        f"the phone page: {median.get('mobile_s', 0):.3f} s"
    )
    for name, value in median.items():
        print(f"  {name:<12} median {value:.3f} s")
    sizes = {"comic.png": len(out.png), "comic.webp": len(out.webp)}
    mobile = getattr(out, "mobile_webp", None)
    if mobile:
        sizes["comic-mobile.webp"] = len(mobile)
    print("  files: " + ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
