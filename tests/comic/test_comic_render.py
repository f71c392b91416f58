"""draw_comic: PNG + WebP + metadata from the sketch renderer; unavailable renderers are errors."""

from __future__ import annotations

import io
import logging

import pytest
from PIL import Image

from tasks.comic.draw import ComicError, draw_comic, seed_for
from tasks.comic.panels.sketch import SKETCH_VERSION
from tasks.models import ComicMeta, PaperSummary

TITLE = "Gated Attention for Large Language Models"


def test_full_size_comic(large_summary: PaperSummary) -> None:
    out = draw_comic(large_summary, paper_title=TITLE, paper_id="2505.06708", renderer="sketch")
    png = Image.open(io.BytesIO(out.png))
    webp = Image.open(io.BytesIO(out.webp))
    assert png.format == "PNG" and abs(png.width - 2048) <= 16
    assert webp.format == "WEBP" and webp.width == 1024
    assert len(out.webp) < len(out.png)
    meta = ComicMeta.model_validate_json(out.meta.model_dump_json())
    assert (meta.renderer, meta.model, meta.fallback) == ("sketch", None, True)
    assert (meta.width, meta.height) == png.size
    assert meta.seed == seed_for("2505.06708")
    assert meta.notices and meta.notices[0].startswith("Sketch renderer: no diffusion model configured")
    assert 3 <= len(meta.script.panels) <= 6
    assert not out.report.uncontained()
    labels = [b.text for b in out.report.boxes if b.kind == "label"]
    assert labels == ["sketch renderer — no diffusion model"]
    credit = next(b.text for b in out.report.boxes if b.kind == "credit").replace("\n", " ")
    assert "2505.06708" in credit and "art: sketch" in credit and SKETCH_VERSION in credit


def test_same_inputs_same_png_bytes(small_summary: PaperSummary) -> None:
    kwargs = {"paper_title": TITLE, "paper_id": "abc123XYZ", "width": 1024}
    a = draw_comic(small_summary, **kwargs)  # type: ignore[arg-type]
    b = draw_comic(small_summary, **kwargs)  # type: ignore[arg-type]
    assert a.png == b.png and a.webp == b.webp
    # Timings are wall-clock seconds: everything else in comic.json is reproducible.
    assert a.meta.model_dump(exclude={"timings"}) == b.meta.model_dump(exclude={"timings"})
    assert set(a.meta.timings) == {"generate_s", "script_s", "compose_s", "encode_s", "mobile_s"}
    c = draw_comic(small_summary, **kwargs, base_seed=1)  # type: ignore[arg-type]
    assert c.png != a.png


def test_auto_warns_about_the_fallback(small_summary: PaperSummary, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tasks.comic"):
        draw_comic(small_summary, paper_title=TITLE, paper_id="p1", renderer="auto", width=800)
    assert any(r.levelno == logging.WARNING and "sketch" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="tasks.comic"):
        draw_comic(small_summary, paper_title=TITLE, paper_id="p1", renderer="sketch", width=800)
    assert not caplog.records


def test_model_is_recorded_as_ignored(small_summary: PaperSummary) -> None:
    out = draw_comic(small_summary, paper_title=TITLE, paper_id="p1", model="some/model", width=800)
    assert out.meta.model is None
    assert any("some/model" in n for n in out.meta.notices)


@pytest.mark.diffusers
def test_diffusion_renderer_without_a_model_uses_the_default_model(small_summary: PaperSummary) -> None:
    # Offline (HF_HUB_OFFLINE=1) the default model cannot be fetched: a clear error naming it,
    # never a silent sketch.
    with pytest.raises(ComicError, match="FLUX.1-schnell"):
        draw_comic(small_summary, paper_title=TITLE, paper_id="p1", renderer="diffusion")


def test_unknown_renderer_is_named(small_summary: PaperSummary) -> None:
    with pytest.raises(ComicError, match="'bogus'"):
        draw_comic(small_summary, paper_title=TITLE, paper_id="p1", renderer="bogus")


def test_bad_width_is_an_error(small_summary: PaperSummary) -> None:
    with pytest.raises(ComicError, match="width"):
        draw_comic(small_summary, paper_title=TITLE, paper_id="p1", width=100)


def test_seed_for_is_stable() -> None:
    # A fixed value: hash() would change between processes, sha256 does not.
    assert seed_for("2505.06708") == seed_for("2505.06708") == 1295312173
    assert seed_for("2505.06708", 1) != seed_for("2505.06708")
    assert seed_for("a") != seed_for("b")
    assert 0 <= seed_for("x" * 500) < 2**31
