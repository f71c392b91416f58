"""GPU check of the comic's diffusion renderer: the default model's architecture, random weights.

Builds FLUX.1-schnell (FluxTransformer2DModel, AutoencoderKL, CLIP-L and T5-XXL text encoders) from
configs with random weights, so nothing is downloaded, and draws 4-panel pages at production size
and steps through the production code (tasks.comic: speed options, quality guard, text encoding
apart from denoising, the comic page). Random weights draw noise, but they cost the same FLOPs and
memory as the real ones. One row per variant:

    eager, compile, +fused QKV, +FP8, +all (every option planned for this GPU), size/steps presets
    (with +all), then a 10-paper conference drawn one paper at a time and two at a time (pages/min),
    and a cold worker (a new process: model load from local safetensors, time to first page, with
    an empty and then a filled compile cache).

Columns: s/page, panels/s, peak GiB, warm-up s (the first page: compile, autotune) and the quality
figure (PSNR and max |diff| of the decoded panels vs bf16 eager, same seeds; "REFUSED" past the
quality guard's bound).

    python bench/comic_gpu.py                 # CUDA: full size, bf16 (about 33 GB of weights)
    python bench/comic_gpu.py --tiny          # anywhere: small configs of the same classes (CI)
    bench/gpu_check.sh                        # the prepared device run (wheels, tests, this bench)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config.settings import ComicSettings, ComicSpeedSettings  # noqa: E402
from tasks.comic.page.layout import panel_size  # noqa: E402
from tasks.comic.panels.diffusion.catalogue import DEFAULT_MODEL, preset_for  # noqa: E402
from tasks.comic.panels.diffusion.pipeline import (  # noqa: E402
    adopt_pipeline,
    generate_images,
    generation_size,
    panel_seed,
    prompt_budget,
)
from tasks.comic.panels.diffusion.presets import load_character, load_style, panel_prompt  # noqa: E402
from tasks.comic.panels.diffusion.quality import QualityBound, compare  # noqa: E402
from tasks.comic.panels.diffusion.speed import (  # noqa: E402
    SpeedOptionError,
    SpeedPlan,
    apply_option,
    detect_hardware,
    plan_speed,
)
from tasks.comic.panels.diffusion.textenc import encode_prompts  # noqa: E402
from tasks.comic.warm_up import PROBE_CLAIMS, probe_script  # noqa: E402

# FLUX.1-schnell's published component configs; "tiny" keeps the classes, shrinks every width.
FULL: dict[str, Any] = {
    "transformer": {
        "patch_size": 1,
        "in_channels": 64,
        "num_layers": 19,
        "num_single_layers": 38,
        "attention_head_dim": 128,
        "num_attention_heads": 24,
        "joint_attention_dim": 4096,
        "pooled_projection_dim": 768,
        "guidance_embeds": False,
        "axes_dims_rope": (16, 56, 56),
    },
    "vae": {"block_out_channels": (128, 256, 512, 512), "latent_channels": 16, "layers_per_block": 2},
    "clip": {
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "projection_dim": 768,
    },
    "t5": {"d_model": 4096, "d_ff": 10240, "d_kv": 64, "num_heads": 64, "num_layers": 24},
    "side": 1024,
}
TINY: dict[str, Any] = {
    "transformer": {
        "patch_size": 1, "in_channels": 16, "num_layers": 1, "num_single_layers": 1,
        "attention_head_dim": 16, "num_attention_heads": 2, "joint_attention_dim": 32,
        "pooled_projection_dim": 32, "guidance_embeds": False, "axes_dims_rope": (4, 4, 8),
    },
    "vae": {"block_out_channels": (32, 32), "latent_channels": 4, "layers_per_block": 1},
    "clip": {"hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 2, "num_attention_heads": 4,
             "projection_dim": 32, "vocab_size": 1000},
    "t5": {"d_model": 32, "d_ff": 37, "d_kv": 8, "num_heads": 4, "num_layers": 2},
    "side": 128,
}  # fmt: skip


def _tokenizer(max_length: int) -> Any:
    """A byte-level CLIPTokenizer built without files; it stands in for both FLUX tokenizers."""
    from transformers import CLIPTokenizer

    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    shifted = [b for b in range(256) if b not in printable]
    alphabet = [chr(b) for b in printable] + [chr(256 + i) for i in range(len(shifted))]
    vocab = {ch: i for i, ch in enumerate(alphabet)}
    vocab.update({ch + "</w>": len(alphabet) + i for i, ch in enumerate(alphabet)})
    vocab.update({"<|startoftext|>": len(vocab), "<|endoftext|>": len(vocab) + 1})
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=max_length)


@contextmanager
def _default_dtype(dtype: torch.dtype) -> Any:
    # Building 12B parameters in float32 first would need 48 GB and twice the time.
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def build_flux(cfg: dict[str, Any], device: str, dtype: torch.dtype) -> Any:
    """FluxPipeline with random weights from configs, on `device` in `dtype`."""
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
    from transformers import CLIPTextConfig, CLIPTextModel, T5Config, T5EncoderModel

    torch.manual_seed(0)
    tok, tok2 = _tokenizer(77), _tokenizer(256)
    blocks = len(cfg["vae"]["block_out_channels"])
    with torch.device(device), _default_dtype(dtype):
        transformer = FluxTransformer2DModel(**cfg["transformer"])
        vae = AutoencoderKL(
            in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * blocks,
            up_block_types=("UpDecoderBlock2D",) * blocks, norm_num_groups=32, use_quant_conv=False,
            use_post_quant_conv=False, scaling_factor=0.3611, shift_factor=0.1159, **cfg["vae"],
        )  # fmt: skip
        clip = CLIPTextModel(
            CLIPTextConfig(max_position_embeddings=77, hidden_act="quick_gelu", bos_token_id=tok.bos_token_id,
                           eos_token_id=tok.eos_token_id, pad_token_id=tok.eos_token_id, **cfg["clip"])
        )  # fmt: skip
        t5 = T5EncoderModel(
            T5Config(vocab_size=32128, feed_forward_proj="gated-gelu", is_encoder_decoder=False, **cfg["t5"])
        )
    scheduler = FlowMatchEulerDiscreteScheduler(shift=1.0, use_dynamic_shifting=False)
    pipe: Any = FluxPipeline(
        scheduler=scheduler, vae=vae, text_encoder=clip, tokenizer=tok,
        text_encoder_2=t5, tokenizer_2=tok2, transformer=transformer,
    )  # fmt: skip
    pipe.set_progress_bar_config(disable=True)
    # The native size the generic preset reads (FLUX's own 1024 at full size, `side` when tiny).
    pipe.default_sample_size = cfg["side"] // pipe.vae_scale_factor
    return pipe.to(device)


def _prompts(pipe: Any, n_panels: int) -> list[str]:
    """The probe page's prompts, trimmed to the text encoder as production trims them."""
    pip, style = load_character("pip"), load_style("clean-line")
    limit, count = prompt_budget(pipe, preset_for(DEFAULT_MODEL)) or (None, None)
    return [
        panel_prompt(p, pip, style, count_tokens=count, max_tokens=limit)
        for p in probe_script(n_panels).panels
    ]


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def _peak_gib() -> float:
    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # CPU: peak RSS (KiB on Linux)


@dataclass
class Bench:
    """One pipeline and one page request, measured under several speed plans."""

    pipe: Any
    prompts: list[str]
    options: dict[str, Any]
    pages: int
    bound: QualityBound
    reference: list[np.ndarray] = field(default_factory=list)

    def page(self, options: dict[str, Any] | None = None) -> list[np.ndarray]:
        """One page as production draws it: prompts encoded first, then one batched denoising call."""
        opts = options or self.options
        seeds = [panel_seed(0, i) for i in range(len(self.prompts))]
        encoded = encode_prompts(self.pipe, self.prompts, opts)
        return generate_images(self.pipe, self.prompts, seeds, opts, encoded=encoded)

    def measure(self, options: dict[str, Any] | None = None) -> dict[str, Any]:
        """The first page (warm-up: compile, autotune), then `pages` timed pages."""
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        started = time.perf_counter()
        images = self.page(options)
        _sync()
        warmup = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(self.pages):
            self.page(options)
        _sync()
        per_page = (time.perf_counter() - started) / self.pages
        return {
            "s_per_page": round(per_page, 3),
            "panels_per_s": round(len(self.prompts) / per_page, 2),
            "peak_gib": round(_peak_gib(), 2),
            "warmup_s": round(warmup, 2),
            "images": images,
        }

    def run(self, name: str, plan: SpeedPlan, options: dict[str, Any] | None = None) -> dict[str, Any]:
        """Apply the plan, measure, compare with eager, undo (the pipeline is eager again after)."""
        undos: list[Callable[[], None]] = []
        row: dict[str, Any] = {"variant": name, "plan": plan.label}
        try:
            for option in plan.enabled():
                undos.append(apply_option(self.pipe, option, plan))
            result = self.measure(options)
        except (SpeedOptionError, ImportError, AssertionError, RuntimeError) as exc:
            return {**row, "skipped": f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"}
        finally:
            for undo in reversed(undos):
                undo()
            torch._dynamo.reset()  # the next variant compiles its own graphs
        images = result.pop("images")
        if not plan.enabled() and options is None:
            self.reference = images
        if self.reference and len(self.reference) == len(images) and options is None:
            figure = compare(self.reference, images)
            row["quality"] = str(figure) + ("" if self.bound.accepts(figure) else " REFUSED")
            row["psnr_db"] = figure.psnr_db
        return {**row, **result}


def variants(best: SpeedPlan, compile_plan: SpeedPlan) -> list[tuple[str, SpeedPlan]]:
    """eager, compile, +fused QKV, +FP8, +all: each adds to compile; +all is the plan for this GPU."""
    eager = SpeedPlan()
    return [
        ("eager", eager),
        ("compile", compile_plan.only(["compile"])),
        ("+fused QKV", compile_plan.only(["compile", "fused_qkv"])),
        ("+FP8", compile_plan.only(["compile", "fused_qkv", "fp8"])),
        ("+all", best),
    ]


def presets(
    options: dict[str, Any], side: int, multiple: int, aspect: tuple[int, int]
) -> list[tuple[str, dict[str, Any]]]:
    """Fewer steps and smaller panels (the issue's 896x672 and 768x576 at full size), with +all."""
    rows = [
        (
            f"+all {max(1, options['num_inference_steps'] // 2)} steps",
            {**options, "num_inference_steps": max(1, options["num_inference_steps"] // 2)},
        )
    ]
    for fraction in (896 / 1184, 768 / 1184):
        w, h = generation_size(aspect, round(side * fraction), multiple)
        rows.append((f"+all {w}x{h}", {**options, "width": w, "height": h}))
    return rows


def conference(settings: ComicSettings, papers: int, workers: int) -> dict[str, Any]:
    """`papers` comics through the production path (script, encode, denoise, page, PNG), `workers` at once.

    Two at a time is what the draw-comics flow does: one paper's script, text encoding, page
    layout and PNG run while the other's panels denoise (the denoising lock keeps one on the GPU).
    """
    from tasks.comic.draw import ComicPaper, PageOptions, draw
    from tasks.comic.panels.choice import choose_panel_renderer
    from tasks.comic.script.writers import StoryWriter
    from tasks.models import Claim, Evidence, PaperSummary

    renderer = choose_panel_renderer(settings).renderer

    def one(i: int) -> list[str]:
        texts = [f"{t} (paper {i})" for t in PROBE_CLAIMS]
        claims = [Claim(text=t, evidence=[Evidence(quote=t, verified=True)]) for t in texts]
        summary = PaperSummary(
            what_was_done=claims[:3], why_it_matters=claims[3:], tldr="", generator="bench"
        )
        paper = ComicPaper(summary=summary, title=f"Paper {i}", paper_id=f"bench-{i}")
        page = PageOptions(width=settings.width, panels=4)
        out = draw(paper, writer=StoryWriter(), renderer=renderer, page=page)
        return out.meta.notices

    notices = one(-1)  # the worker's warm-up page: load, options, compile
    line = next((n for n in notices if n.startswith("Speed options: ")), "Speed options: eager on")
    name = line.removeprefix("Speed options: ").split(" on ")[0]
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(papers)))
    total = time.perf_counter() - started
    return {
        "variant": f"conference x{papers}, {workers} at a time",
        "plan": name,
        "s_per_page": round(total / papers, 3),
        "pages_per_min": round(60 * papers / total, 1),
    }


def cold_worker(model_dir: Path, cache_dir: Path, device: str, compile: str) -> dict[str, Any]:
    """A new process: import, load from local safetensors, warm up (speed options, guard), two pages."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--first-page", str(model_dir), "--cache-dir", str(cache_dir),
         "--device", device, "--compile", compile, "--spawned-at", repr(time.monotonic())],
        capture_output=True, text=True, env=env, timeout=1800,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0:
        return {"variant": "cold worker", "skipped": done.stderr.strip().splitlines()[-1][:200]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {"variant": "cold worker", "process_s": round(wall, 2), **result}


def first_page(model_dir: str, cache_dir: str, device: str, compile: str, spawned_at: float) -> None:
    """The child of cold_worker: what a new GPU worker pays before and for its first pages."""
    from tasks.comic.warm_up import warm_up

    speed = ComicSpeedSettings(cache_dir=Path(cache_dir))
    settings = ComicSettings(
        renderer="diffusion",
        model=model_dir,
        device=device,
        steps=4,
        guidance=0.0,
        compile=compile,
        speed=speed,
    )
    started = time.perf_counter()
    warm = warm_up(settings)
    assert warm is not None
    first = time.monotonic() - spawned_at  # since the parent started this process: imports included
    from tasks.comic.panels.diffusion.pipeline import RenderReport
    from tasks.comic.panels.diffusion.renderer import render_panels

    started = time.perf_counter()
    render_panels(
        probe_script(4), model=model_dir, seed=1, size=panel_size(4, settings.width), steps=4,
        guidance=0.0, device=device, compile=compile, speed=speed, report=RenderReport(),
    )  # fmt: skip
    print(json.dumps({
        "plan": warm.plan,
        "start_to_first_page_s": round(first, 2),
        "model_load_s": warm.timings.get("model_load_s"),
        "speed_s": warm.timings.get("speed_s"),
        "warm_up_s": warm.timings.get("warm_up_s"),
        "second_page_s": round(time.perf_counter() - started, 3),
        "guard_from_cache": (
            any("earlier verdict" in n for n in warm.notices) if warm.guard else "no options to guard"
        ),
    }))  # fmt: skip


def _print_table(rows: list[dict[str, Any]]) -> None:
    print(f"\n{'variant':<34}{'s/page':>8}{'panels/s':>9}{'peak GiB':>9}{'warm-up s':>10}  quality / notes")
    for r in rows:
        if "skipped" in r:
            print(f"{r['variant']:<34}{'-':>8}{'-':>9}{'-':>9}{'-':>10}  skipped: {r['skipped']}")
        elif "pages_per_min" in r:
            per_min = f"{r['pages_per_min']} pages/min ({r['plan']})"
            print(f"{r['variant']:<34}{r['s_per_page']:>8}{'':>9}{'':>9}{'':>10}  {per_min}")
        elif "process_s" in r:
            print(
                f"{r['variant']:<34}{r['second_page_s']:>8}{'':>9}{'':>9}{r['warm_up_s']:>10}  "
                f"first page {r['start_to_first_page_s']} s after start, model load {r['model_load_s']} s, "
                f"options+guard {r['speed_s']} s, guard from cache: {r['guard_from_cache']} ({r['plan']})"
            )
        else:
            print(
                f"{r['variant']:<34}{r['s_per_page']:>8}{r['panels_per_s']:>9}{r['peak_gib']:>9}"
                f"{r['warmup_s']:>10}  {r.get('quality', '')} [{r['plan']}]"
            )


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="small configs of the same classes (CPU, CI)")
    parser.add_argument("--panels", type=int, default=4)
    parser.add_argument("--width", type=int, default=2048, help="page width; sets the panel aspect")
    parser.add_argument("--pages", type=int, default=3, help="timed pages per variant")
    parser.add_argument("--variants", default="eager,compile,+fused QKV,+FP8,+all", help="comma-separated")
    parser.add_argument("--no-presets", action="store_true", help="skip the size/steps preset rows")
    parser.add_argument("--conference", type=int, default=10, help="papers of the conference rows (0: none)")
    parser.add_argument("--cold-start", action="store_true", help="save the model, time a new worker twice")
    parser.add_argument("--steps", type=int, default=None, help="default: the FLUX.1-schnell preset's 4")
    parser.add_argument("--compile-mode", default="default")
    parser.add_argument("--compile-backend", default=None, help="default: inductor on CUDA, eager on a CPU")
    parser.add_argument("--budget-s", type=float, default=0, help="skip what starts after this many s")
    parser.add_argument("--json-out", type=Path, help="also write the rows here (JSON lines)")
    parser.add_argument("--first-page", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    parser.add_argument("--device", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--compile", default="auto", help=argparse.SUPPRESS)
    parser.add_argument("--spawned-at", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.first_page:
        first_page(args.first_page, args.cache_dir, args.device or "auto", args.compile, args.spawned_at)
        return []

    began = time.perf_counter()
    cuda = torch.cuda.is_available()
    if not args.tiny and not cuda:
        sys.exit("the full-size FLUX.1-schnell build needs CUDA (about 33 GB bf16); use --tiny on a CPU")
    device, dtype = ("cuda", torch.bfloat16) if cuda else ("cpu", torch.float32)
    cfg = TINY if args.tiny else FULL
    preset = preset_for(DEFAULT_MODEL)
    steps = args.steps or preset.steps
    hardware = detect_hardware(device)
    backend = args.compile_backend or ("inductor" if cuda else "eager")

    started = time.perf_counter()
    pipe = build_flux(cfg, device, dtype)
    _sync()
    build_s = time.perf_counter() - started
    params = sum(p.numel() for p in pipe.transformer.parameters()) / 1e6
    multiple = pipe.vae_scale_factor * 2
    aspect = panel_size(args.panels, args.width)
    w, h = generation_size(aspect, cfg["side"], multiple)
    options = {
        "num_inference_steps": steps, "guidance_scale": preset.guidance, "width": w, "height": h,
        **dict(preset.extra),
    }  # fmt: skip
    speed = ComicSpeedSettings(fused_qkv="on", channels_last_vae="on", compile_mode=args.compile_mode)
    decision = plan_speed(speed, "on", hardware)
    best = SpeedPlan(**{**decision.plan.__dict__, "compile_backend": backend})
    compile_plan = SpeedPlan(**{**best.__dict__, "fp8": True})
    bound = QualityBound(speed.min_psnr_db, speed.max_abs_diff)
    print(
        f"FLUX.1-schnell architecture ({'tiny' if args.tiny else 'full'}, random weights): "
        f"transformer {params:,.1f}M params, {hardware.describe()} {str(dtype).removeprefix('torch.')}, "
        f"built in {build_s:.1f}s; torch {torch.__version__}"
    )
    print(f"{args.panels} panels at {w}x{h}, {steps} steps; planned here: {decision.summary()}")
    if not cuda:
        print(f"(CPU: compile rows use the {backend!r} backend; 'peak GiB' is the process's peak RSS)")

    bench = Bench(pipe, _prompts(pipe, args.panels), options, args.pages, bound)
    rows: list[dict[str, Any]] = []
    out = args.json_out.open("w") if args.json_out else None

    def emit(row: dict[str, Any]) -> None:
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "psnr_db"}), flush=True)
        if out:
            out.write(json.dumps(row) + "\n")
            out.flush()

    def budget_left() -> bool:
        return not args.budget_s or time.perf_counter() - began < args.budget_s

    wanted = [v.strip() for v in args.variants.split(",")]
    for name, plan in variants(best, compile_plan):
        if name in wanted:
            emit(bench.run(name, plan) if budget_left() else {"variant": name, "skipped": "time budget"})
    if not args.no_presets:
        for name, opts in presets(options, cfg["side"], multiple, aspect):
            emit(
                bench.run(name, best, opts) if budget_left() else {"variant": name, "skipped": "time budget"}
            )
    # Full size: a name the FLUX.1-schnell preset matches (its size and sequence length). Tiny: the
    # generic preset (the pipeline's own small native size), with steps and guidance from settings.
    model_name = "flux-tiny-random" if args.tiny else "flux.1-schnell-random"
    if args.conference:
        settings = ComicSettings(
            renderer="diffusion",
            model=model_name,
            device=device,
            steps=steps,
            guidance=preset.guidance,
            compile="on" if best.compile else "off",
            speed=ComicSpeedSettings(
                fused_qkv="on" if best.fused_qkv else "off",
                channels_last_vae="on" if best.channels_last_vae else "off",
                fp8="on" if best.fp8 else "off",
                attention=best.attention or "native",
                guard=False,
                compile_mode=args.compile_mode,
            ),
        )
        if backend != "inductor":
            settings = settings.model_copy(update={"compile": "off"})
        for workers in (1, 2):
            if not budget_left():
                emit({"variant": f"conference, {workers} at a time", "skipped": "time budget"})
                continue
            adopt_pipeline(model_name, pipe, device=device)
            emit(conference(settings, args.conference, workers))
    if args.cold_start:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / model_name
            started = time.perf_counter()
            pipe.save_pretrained(folder, safe_serialization=True)
            print(f"saved the pipeline as safetensors in {time.perf_counter() - started:.1f}s", flush=True)
            del pipe, bench
            from tasks.comic.panels.diffusion.pipeline import drop_pipelines

            drop_pipelines()
            compile = "on" if backend == "inductor" else "off"
            for attempt in ("empty compile cache", "filled compile cache"):
                if not budget_left():
                    emit({"variant": f"cold worker, {attempt}", "skipped": "time budget"})
                    continue
                row = cold_worker(folder, Path(tmp) / "cache", device, compile)
                emit({**row, "variant": f"cold worker, {attempt}"})
    _print_table(rows)
    if out:
        out.close()
    return rows


if __name__ == "__main__":
    main()
