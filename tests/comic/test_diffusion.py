"""The diffusion renderer on a tiny random-weight pipeline: seeds, batching, caching, failures."""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from tasks.comic.draw import draw_comic
from tasks.comic.errors import ComicError
from tasks.comic.panels.diffusion.pipeline import RenderReport, load_pipeline
from tasks.comic.panels.diffusion.renderer import render_panels
from tasks.comic.script.story import script_from_summary
from tasks.models import ComicMeta, ComicScript, PaperSummary

TITLE = "Gated Attention for Large Language Models"
FAST = {"steps": 2, "size": (64, 48)}


@pytest.fixture
def script(small_summary: PaperSummary) -> ComicScript:
    return script_from_summary(small_summary, TITLE, panels=4)


@pytest.fixture
def pipe_class(tiny_model: str) -> type:
    return type(load_pipeline(tiny_model))


def _pixels(images: list[Image.Image]) -> list[np.ndarray]:
    return [np.asarray(im, dtype=np.int16) for im in images]


def _patch_call(
    monkeypatch: pytest.MonkeyPatch, cls: type, hook: Callable[[Callable[..., Any], Any, dict[str, Any]], Any]
) -> None:
    """Wrap the pipeline class's __call__; functools.wraps keeps its signature visible to our code."""
    original = cls.__call__

    @functools.wraps(original)
    def wrapper(self: Any, **kwargs: Any) -> Any:
        return hook(functools.partial(original, self), self, kwargs)

    monkeypatch.setattr(cls, "__call__", wrapper)


def test_same_seed_same_pixels_and_batching_keeps_each_panel(tiny_model: str, script: ComicScript) -> None:
    a = render_panels(script, model=tiny_model, seed=7, **FAST)  # type: ignore[arg-type]
    b = render_panels(script, model=tiny_model, seed=7, **FAST)  # type: ignore[arg-type]
    assert [im.tobytes() for im in a] == [im.tobytes() for im in b]
    # The tiny model's native 64x64 area at the panel's 4:3 aspect, in multiples of 4 (VAE scale x 2).
    assert len(a) == 4 and a[0].size == (72, 56) and a[0].mode == "RGB"
    one_by_one = render_panels(script, model=tiny_model, seed=7, batch_size=1, **FAST)  # type: ignore[arg-type]
    for batched, single in zip(_pixels(a), _pixels(one_by_one), strict=True):
        # Batched matmuls may differ from single ones in the last float bit, never by a visible step.
        assert np.abs(batched - single).max() <= 1
    other = render_panels(script, model=tiny_model, seed=8, **FAST)  # type: ignore[arg-type]
    assert all(x.tobytes() != y.tobytes() for x, y in zip(a, other, strict=True))
    # Panels differ from each other: one generator per panel, not one noise for all.
    assert a[0].tobytes() != a[1].tobytes()


def test_pipeline_is_loaded_once(tiny_model: str, script: ComicScript) -> None:
    assert load_pipeline(tiny_model) is load_pipeline(tiny_model)
    report = RenderReport()
    render_panels(script, model=tiny_model, seed=1, report=report, **FAST)  # type: ignore[arg-type]
    assert report.timings["load_s"] < 0.05
    assert (report.steps, report.dtype, report.device, report.batch_size) == (2, "float32", "cpu", 4)


def test_concurrent_loads_share_one_pipeline(tiny_model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tasks.comic.panels.diffusion import pipeline as diffusion

    monkeypatch.setattr(diffusion, "_PIPELINES", {})
    with ThreadPoolExecutor(4) as pool:
        pipes = list(pool.map(lambda _: load_pipeline(tiny_model), range(4)))
    assert all(p is pipes[0] for p in pipes) and len(diffusion._PIPELINES) == 1


def test_draw_comic_with_diffusion(tiny_model: str, small_summary: PaperSummary, tmp_path: Path) -> None:
    out = draw_comic(
        small_summary,
        paper_title=TITLE,
        paper_id="2505.06708",
        renderer="diffusion",
        model=tiny_model,
        width=512,
        steps=2,
    )
    png = Image.open(io.BytesIO(out.png))
    assert png.format == "PNG" and png.width == 512
    assert Image.open(io.BytesIO(out.webp)).format == "WEBP"
    meta = ComicMeta.model_validate_json(out.meta.model_dump_json())
    assert (meta.renderer, meta.model, meta.fallback, meta.steps) == ("diffusion", tiny_model, False, 2)
    assert (meta.dtype, meta.device, meta.batch_size) == ("float32", "cpu", len(meta.script.panels))
    assert set(meta.timings) == {"load_s", "generate_s", "script_s", "compose_s", "encode_s", "mobile_s"}
    assert not any("Sketch renderer" in n for n in meta.notices)
    assert not [b for b in out.report.boxes if b.kind == "label"]
    credit = " ".join(b.text for b in out.report.boxes if b.kind == "credit").replace("\n", " ")
    assert "art: tiny-sd," in credit and "/tiny-sd" not in credit
    (tmp_path / "comic.png").write_bytes(out.png)


def test_auto_draws_with_a_local_model(tiny_model: str, small_summary: PaperSummary) -> None:
    out = draw_comic(small_summary, paper_title=TITLE, paper_id="p1", model=tiny_model, width=512, steps=2)
    assert out.meta.renderer == "diffusion"


def test_diffusion_without_a_model_uses_the_default_model(small_summary: PaperSummary) -> None:
    # Offline (HF_HUB_OFFLINE=1) the default model cannot be fetched: a clear error naming it,
    # never a silent sketch.
    with pytest.raises(ComicError, match="FLUX.1-schnell"):
        draw_comic(small_summary, paper_title=TITLE, paper_id="p1", renderer="diffusion")


def _spoil_first_panel(value: float, times: int) -> Callable[..., Any]:
    calls = {"n": 0}

    def hook(call: Callable[..., Any], _pipe: Any, kwargs: dict[str, Any]) -> Any:
        result = call(**kwargs)
        if calls["n"] < times:
            result.images[0][...] = value
        calls["n"] += 1
        return result

    return hook


@pytest.mark.parametrize(("value", "why"), [(float("nan"), "NaN"), (0.0, "all black")])
def test_a_bad_panel_is_redrawn_with_another_seed(
    tiny_model: str,
    script: ComicScript,
    pipe_class: type,
    monkeypatch: pytest.MonkeyPatch,
    value: float,
    why: str,
) -> None:
    good = _pixels(render_panels(script, model=tiny_model, seed=3, **FAST))  # type: ignore[arg-type]
    _patch_call(monkeypatch, pipe_class, _spoil_first_panel(value, times=1))
    report = RenderReport()
    redrawn = _pixels(render_panels(script, model=tiny_model, seed=3, report=report, **FAST))  # type: ignore[arg-type]
    assert not np.array_equal(redrawn[0], good[0]) and redrawn[0].max() > 0
    assert all(np.array_equal(x, y) for x, y in zip(redrawn[1:], good[1:], strict=True))
    assert any(f"panel 1 ({why})" in n for n in report.notices)


def test_a_panel_bad_twice_is_an_error(
    tiny_model: str, script: ComicScript, pipe_class: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    _patch_call(monkeypatch, pipe_class, _spoil_first_panel(float("nan"), times=2))
    with pytest.raises(ComicError, match=r"drew panel 1 NaN twice"):
        render_panels(script, model=tiny_model, seed=3, **FAST)  # type: ignore[arg-type]


def _batch(kwargs: dict[str, Any]) -> int:
    """Panels in one pipeline call: prompts, or their embeddings when the prompts were encoded first."""
    return len(kwargs["prompt"]) if kwargs.get("prompt") is not None else len(kwargs["prompt_embeds"])


def _oom_above(limit: int, sizes: list[int]) -> Callable[..., Any]:
    def hook(call: Callable[..., Any], _pipe: Any, kwargs: dict[str, Any]) -> Any:
        sizes.append(_batch(kwargs))
        if _batch(kwargs) > limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return call(**kwargs)

    return hook


def test_out_of_memory_retries_with_smaller_batches(
    tiny_model: str, script: ComicScript, pipe_class: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _pixels(render_panels(script, model=tiny_model, seed=5, **FAST))  # type: ignore[arg-type]
    sizes: list[int] = []
    _patch_call(monkeypatch, pipe_class, _oom_above(1, sizes))
    report = RenderReport()
    panels = _pixels(render_panels(script, model=tiny_model, seed=5, report=report, **FAST))  # type: ignore[arg-type]
    assert sizes == [4, 2, 1, 1, 1, 1]
    assert report.batch_size == 1 and len([n for n in report.notices if "GPU memory" in n]) == 2
    assert all(np.abs(x - y).max() <= 1 for x, y in zip(panels, good, strict=True))


def test_out_of_memory_one_by_one_is_a_clear_error(
    tiny_model: str, script: ComicScript, pipe_class: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    _patch_call(monkeypatch, pipe_class, _oom_above(0, []))
    with pytest.raises(ComicError, match=r"out of GPU memory drawing one panel at a time"):
        render_panels(script, model=tiny_model, seed=5, **FAST)  # type: ignore[arg-type]


def _tiny_unet() -> Any:
    from diffusers import UNet2DModel

    return UNet2DModel(
        block_out_channels=(32, 64),
        down_block_types=("DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D"),
        norm_num_groups=32,
        sample_size=8,
    )


def test_missing_model_path_is_named(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-model")
    with pytest.raises(ComicError, match=f"'{missing}' does not exist"):
        load_pipeline(missing)


def test_a_lone_unet_is_not_a_pipeline(tmp_path: Path) -> None:
    folder = tmp_path / "unet-only"
    _tiny_unet().save_pretrained(folder)
    with pytest.raises(ComicError, match=r"unet-only.*not a diffusers pipeline folder"):
        load_pipeline(str(folder))


def test_an_unconditional_pipeline_is_not_text_to_image(tmp_path: Path) -> None:
    from diffusers import DDPMPipeline, DDPMScheduler

    folder = tmp_path / "ddpm"
    DDPMPipeline(unet=_tiny_unet(), scheduler=DDPMScheduler()).save_pretrained(folder)
    with pytest.raises(ComicError, match=r"ddpm.*DDPMPipeline, which is not a text-to-image pipeline"):
        load_pipeline(str(folder))


def test_an_unknown_pipeline_class_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "mystery"
    folder.mkdir()
    (folder / "model_index.json").write_text(json.dumps({"_class_name": "NoSuchPipeline"}))
    with pytest.raises(ComicError, match=r"cannot load comic model '.*mystery'"):
        load_pipeline(str(folder))


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Every model here is a local folder: a hub lookup would be a bug.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    yield


def test_prompts_fit_the_text_encoder_and_start_with_the_scene(
    tiny_model: str, script: ComicScript, pipe_class: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tiny pipeline's CLIP tokenizer reads 77 tokens: each prompt is trimmed to it, scene first."""
    from tasks.comic.panels.diffusion.presets import NO_TEXT
    from tasks.comic.script.story import MASCOT_LOOK

    seen: list[str] = []
    original = pipe_class.encode_prompt

    # The prompts are encoded before the denoising call (diffusion/textenc.py): read them there.
    @functools.wraps(original)
    def encode(self: Any, prompt: list[str] | None, *args: Any, **kwargs: Any) -> Any:
        seen.extend(prompt or [])  # the pipeline's own call passes None with the embeddings
        return original(self, prompt, *args, **kwargs)

    monkeypatch.setattr(pipe_class, "encode_prompt", encode)
    report = RenderReport()
    render_panels(script, model=tiny_model, seed=2, report=report, **FAST)  # type: ignore[arg-type]
    tokenizer = load_pipeline(tiny_model).tokenizer
    assert len(seen) == len(script.panels)
    for panel, prompt in zip(script.panels, seen, strict=True):
        assert len(tokenizer(prompt).input_ids) <= 77 < len(tokenizer(panel.scene + NO_TEXT).input_ids)
        assert prompt.startswith(panel.scene.replace(MASCOT_LOOK, "Pip")[:12]) and prompt.endswith(NO_TEXT)
    assert any("trimmed from the end to the text encoder's 77 tokens" in n for n in report.notices)
