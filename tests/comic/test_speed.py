"""Speed options, the quality guard, warm start and text encoding apart, on tiny random weights (CPU).

The GPU-only options (FP8, cuDNN attention, Inductor on CUDA) are planned from hardware data here;
what runs on a CPU runs for real: fused QKV, channels-last VAE, the math attention backend, the
guard's draws and undo, the verdict file, Inductor's on-disk cache in fresh processes.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from config.settings import ComicSettings, ComicSpeedSettings
from tasks.comic.panels.diffusion import pipeline as diffusion
from tasks.comic.panels.diffusion import warm
from tasks.comic.panels.diffusion.pipeline import RenderReport, generate_images, load_pipeline, panel_seed
from tasks.comic.panels.diffusion.quality import GUARD_FILE, QualityBound, compare, guard_options
from tasks.comic.panels.diffusion.renderer import render_panels
from tasks.comic.panels.diffusion.speed import Hardware, SpeedPlan, apply_option, denoiser_of, plan_speed
from tasks.comic.panels.diffusion.textenc import encode_prompts
from tasks.comic.warm_up import probe_script, warm_up

H200 = Hardware("cuda", "NVIDIA H200", (9, 0))
A100 = Hardware("cuda", "NVIDIA A100-SXM4-80GB", (8, 0))
CPU = Hardware("cpu", "CPU")
OPTIONS = {"num_inference_steps": 1, "guidance_scale": 7.0, "width": 32, "height": 32}
PROMPTS = ["a teal robot reads a paper"]
SEEDS = [panel_seed(3, i) for i in range(len(PROMPTS))]
CPU_OPTIONS = ComicSpeedSettings(fused_qkv="on", channels_last_vae="on")
FAST = {"seed": 4, "size": (64, 48), "steps": 1, "side": 48}


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def pipe(tiny_model: str) -> Any:
    """A freshly loaded tiny pipeline of its own: options are applied in place."""
    diffusion.drop_pipelines()
    warm._PREPARED.clear()
    loaded = load_pipeline(tiny_model)
    yield loaded
    diffusion.drop_pipelines()
    warm._PREPARED.clear()


def _draw(pipe: Any) -> list[np.ndarray]:
    return generate_images(pipe, PROMPTS, SEEDS, OPTIONS)


def test_plan_on_hopper_turns_every_option_on() -> None:
    decision = plan_speed(ComicSpeedSettings(), "auto", H200, available=lambda _: True)
    assert decision.plan.enabled() == ["attention", "fused_qkv", "channels_last_vae", "fp8", "compile"]
    assert decision.plan.label == "cudnn-attention+fused-qkv+channels-last-vae+fp8+compile(default,fullgraph)"
    assert decision.notices == [] and "H200 (compute capability 9.0)" in decision.summary()


def test_fp8_stays_off_without_fp8_hardware_or_torchao_and_says_why() -> None:
    ampere = plan_speed(ComicSpeedSettings(), "auto", A100, available=lambda _: True)
    assert not ampere.plan.fp8 and ampere.plan.compile and ampere.plan.attention is None
    assert "8.0 < 8.9 has no FP8" in ampere.reasons["fp8"] and ampere.notices == []
    asked = plan_speed(ComicSpeedSettings(fp8="on"), "auto", A100, available=lambda _: True)
    assert not asked.plan.fp8 and any("fp8 requested but off" in n for n in asked.notices)
    no_ao = plan_speed(ComicSpeedSettings(fp8="on"), "auto", H200, available=lambda p: p != "torchao")
    assert not no_ao.plan.fp8 and any("torchao is not installed" in n for n in no_ao.notices)


def test_on_a_cpu_auto_is_eager_and_gpu_requests_are_refused_loudly(caplog: pytest.LogCaptureFixture) -> None:
    assert plan_speed(ComicSpeedSettings(), "auto", CPU).plan.label == "eager"
    asked = plan_speed(ComicSpeedSettings(fp8="on", attention="cudnn"), "on", CPU)
    assert asked.plan.label == "compile(default,fullgraph)"  # compile on a CPU is the user's call
    assert len(asked.notices) == 2 and "no FP8 on a CPU" in asked.notices[0]
    assert "cudnn attention it needs a CUDA GPU" in asked.notices[1]
    assert sum(r.levelname == "WARNING" for r in caplog.records) == 2
    # comic.compile keeps reading booleans: true / false are on / off.
    assert ComicSettings(compile=True).compile == "on" and ComicSettings(compile="false").compile == "off"  # type: ignore[arg-type]


def test_compare_gives_psnr_and_the_largest_step() -> None:
    ref = [np.full((4, 4, 3), 0.5, dtype=np.float32)]
    assert math.isinf(compare(ref, ref).psnr_db) and compare(ref, ref).max_abs == 0
    shifted = compare(ref, [ref[0] + 0.01])
    assert shifted.psnr_db == pytest.approx(40.0) and shifted.max_abs == pytest.approx(0.01)
    nan = compare(ref, [np.full((4, 4, 3), np.nan, dtype=np.float32)])
    assert not QualityBound(0.0).accepts(nan) and QualityBound(30.0).accepts(shifted)
    assert not QualityBound(30.0, max_abs_diff=0.005).accepts(shifted)


def _crude_weights(pipe: Any, option: str, plan: SpeedPlan) -> Any:
    """A quantization far too coarse (3 levels per weight) standing in for an FP8 that went wrong."""
    if option != "fp8":
        return apply_option(pipe, option, plan)
    layers = (torch.nn.Linear, torch.nn.Conv2d)
    modules = [*denoiser_of(pipe).modules(), *pipe.vae.decoder.modules()]
    linears = [m for m in modules if isinstance(m, layers)]
    saved = [m.weight.detach().clone() for m in linears]
    with torch.no_grad():
        for m in linears:
            m.weight.copy_(torch.sign(m.weight) * m.weight.abs().mean())

    def undo() -> None:
        with torch.no_grad():
            for m, w in zip(linears, saved, strict=True):
                m.weight.copy_(w)

    return undo


def test_guard_keeps_what_is_close_to_eager_and_undoes_what_is_not(pipe: Any) -> None:
    reference = _draw(pipe)
    plan = SpeedPlan(attention="math", fused_qkv=True, channels_last_vae=True, fp8=True)
    kept, report = guard_options(pipe, plan, _draw, QualityBound(30.0), apply=_crude_weights)
    assert kept.label == "math-attention+fused-qkv+channels-last-vae"
    rows = {r.option: r for r in report.rows}
    assert all(
        rows[o].accepted and rows[o].psnr_db >= 30 for o in ("attention", "fused_qkv", "channels_last_vae")
    )
    assert not rows["fp8"].accepted and rows["fp8"].psnr_db < 30
    assert any("speed option fp8 refused" in n for n in report.notices)
    # What was kept is in force, and the refused option left nothing behind.
    unet = denoiser_of(pipe)
    assert type(next(iter(unet.attn_processors.values()))).__name__ == "FusedAttnProcessor2_0"
    assert pipe.vae.decoder.conv_in.weight.is_contiguous(memory_format=torch.channels_last)
    assert compare(reference, _draw(pipe)).psnr_db >= 30


def test_an_option_that_cannot_run_here_is_refused_not_fatal(pipe: Any) -> None:
    # FP8 on a CPU: torchao refuses (or is not installed); the guard turns it off with a notice.
    kept, report = guard_options(pipe, SpeedPlan(fp8=True), _draw, QualityBound())
    assert kept.label == "eager" and "cannot run here" in report.rows[0].why
    assert report.notices and "fp8 refused" in report.notices[0]


def test_encoded_prompts_draw_the_same_pixels(pipe: Any) -> None:
    options = {**OPTIONS, "negative_prompt": "blurry"}
    direct = generate_images(pipe, PROMPTS, SEEDS, options)
    encoded = encode_prompts(pipe, PROMPTS, options)
    assert encoded is not None and set(encoded.tensors) == {"prompt_embeds", "negative_prompt_embeds"}
    apart = generate_images(pipe, PROMPTS, SEEDS, options, encoded=encoded)
    assert compare(direct, apart).max_abs < 1e-5


def test_render_applies_options_once_and_a_new_worker_reuses_the_verdict(
    tiny_model: str, tmp_path: Path
) -> None:
    speed = CPU_OPTIONS.model_copy(update={"cache_dir": tmp_path})
    script = probe_script(3)
    report = RenderReport()
    first = render_panels(script, model=tiny_model, speed=speed, report=report, **FAST)  # type: ignore[arg-type]
    prepared = report.prepared
    assert prepared.plan.label == "fused-qkv+channels-last-vae" and not prepared.guard.from_cache
    assert any(n.startswith("Speed options: fused-qkv+channels-last-vae on CPU") for n in report.notices)
    (entry,) = json.loads((tmp_path / GUARD_FILE).read_text()).values()
    assert entry["kept"] == ["fused_qkv", "channels_last_vae"]
    # The same process: nothing is prepared again.
    assert warm.prepare_pipeline(tiny_model, speed=speed) is prepared
    # A new worker (process caches gone, the cache folder kept): the earlier verdict, no probe draws.
    warm._PREPARED.clear()
    diffusion.drop_pipelines()
    fresh = RenderReport()
    second = render_panels(script, model=tiny_model, speed=speed, report=fresh, **FAST)  # type: ignore[arg-type]
    assert fresh.prepared.guard.from_cache and fresh.prepared.plan == prepared.plan
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(first, second, strict=True))
    # Eager for the next caller: the options were applied in place, so the pipeline is loaded again.
    eager = warm.prepare_pipeline(tiny_model)
    assert eager.plan.label == "eager" and eager.pipe is not fresh.prepared.pipe
    warm._PREPARED.clear()
    diffusion.drop_pipelines()


def test_warm_up_draws_a_production_page_once(tiny_model: str) -> None:
    settings = ComicSettings(renderer="diffusion", model=tiny_model, steps=1, width=512)
    report = warm_up(settings, panels=3)
    assert report is not None and report.plan == "eager" and report.guard == []
    assert {"model_load_s", "speed_s", "load_s", "generate_s", "warm_up_s"} <= set(report.timings)
    later = warm_up(settings, panels=3)
    assert later is not None and later.timings["load_s"] < 0.05  # loaded once per process
    assert warm_up(ComicSettings(renderer="sketch")) is None


def test_compiled_graphs_are_read_back_from_the_cache_folder(tmp_path: Path) -> None:
    """Inductor's FX graph cache goes to the folder: once in-memory compile state is gone (as in a
    new worker), the graph is loaded from there instead of compiled. In a child process: the cache
    settings are process-wide."""
    program = textwrap.dedent(f"""
        import json, sys, torch
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from pathlib import Path
        from tasks.comic.panels.diffusion.speed import use_compile_cache
        use_compile_cache(Path({str(tmp_path)!r}))
        from torch._dynamo.utils import counters
        layer, x = torch.nn.Linear(16, 16), torch.randn(4, 16)
        runs = []
        for _ in range(2):
            torch.compile(layer)(x)
            runs.append(dict(counters["inductor"]))
            counters.clear()
            torch._dynamo.reset()
        print(json.dumps(runs))
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    first, second = json.loads(done.stdout.splitlines()[-1])
    assert first.get("fxgraph_cache_miss") == 1 and not first.get("fxgraph_cache_hit")
    assert second.get("fxgraph_cache_hit") == 1 and not second.get("fxgraph_cache_miss")
    assert any((tmp_path / "inductor" / "fxgraph").iterdir())
