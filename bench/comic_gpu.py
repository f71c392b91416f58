"""GPU check of the comic's diffusion renderer: the default model's architecture, random weights.

Builds FLUX.1-schnell (FluxTransformer2DModel, AutoencoderKL, CLIP-L and T5-XXL text encoders) from
configs with random weights, so nothing is downloaded, then draws a 4-panel page at production size
and steps through the production generation code (tasks.comic.diffusion.generate_images):
batched vs one panel per call, and with torch.compile. Prints panels/s, seconds per page and peak
memory. Random weights draw noise, but they cost the same FLOPs and memory as the real ones.

    python bench/comic_gpu.py            # CUDA only: full size, bf16 (about 33 GB of weights)
    python bench/comic_gpu.py --tiny     # anywhere: small configs of the same classes, a smoke test
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.comic.diffusion import DEFAULT_MODEL, generate_images, generation_size, panel_seed, preset_for
from tasks.comic.layout import panel_size
from tasks.comic.presets import load_character, load_style, panel_prompt
from tasks.comic.script import script_from_summary
from tasks.models import Claim, Evidence, PaperSummary

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
    return pipe.to(device)


def _prompts(n_panels: int) -> list[str]:
    # Verified claims (only those reach a comic), each fitting a role, so the script has n_panels panels.
    texts = [
        "We propose a sigmoid gate after attention for large language models.",
        "We train thirty dense and mixture-of-experts models with the gate.",
        "The gate outperforms the baseline and removes the attention sink.",
        "Long-context models waste attention on the first token, a problem for extrapolation.",
        "Practitioners can adopt the gate with one line of code.",
    ]
    claims = [Claim(text=t, evidence=[Evidence(quote=t, verified=True)]) for t in texts]
    summary = PaperSummary(what_was_done=claims[:3], why_it_matters=claims[3:], tldr="", generator="bench")
    script = script_from_summary(summary, "Gated Attention for Large Language Models", panels=n_panels)
    pip, style = load_character("pip"), load_style("clean-line")
    return [panel_prompt(p, pip, style) for p in script.panels]


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def _peak_gib() -> float:
    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # CPU: peak RSS (KiB on Linux)


def measure(pipe: Any, prompts: list[str], options: dict[str, Any], batch: int, pages: int) -> dict[str, Any]:
    """Warm up once (compile, cudnn autotune), then time `pages` pages."""
    seeds = [panel_seed(0, i) for i in range(len(prompts))]
    started = time.perf_counter()
    images = generate_images(pipe, prompts, seeds, options, batch_size=batch)
    _sync()
    warmup = time.perf_counter() - started
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    for _ in range(pages):
        generate_images(pipe, prompts, seeds, options, batch_size=batch)
    _sync()
    per_page = (time.perf_counter() - started) / pages
    return {
        "batch": batch,
        "warmup_s": round(warmup, 2),
        "s_per_page": round(per_page, 3),
        "panels_per_s": round(len(prompts) / per_page, 2),
        "peak_gib": round(_peak_gib(), 2),
        "nan_panels": sum(not bool(torch.isfinite(torch.from_numpy(im)).all()) for im in images),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tiny", action="store_true", help="small configs of the same classes (CPU smoke test)"
    )
    parser.add_argument("--panels", type=int, default=4)
    parser.add_argument("--width", type=int, default=2048, help="page width; sets the panel aspect")
    parser.add_argument("--pages", type=int, default=3, help="timed pages per configuration")
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile run")
    args = parser.parse_args()

    cuda = torch.cuda.is_available()
    if not args.tiny and not cuda:
        sys.exit("the full-size FLUX.1-schnell build needs CUDA (about 33 GB bf16); use --tiny on a CPU")
    device, dtype = ("cuda", torch.bfloat16) if cuda else ("cpu", torch.float32)
    cfg = TINY if args.tiny else FULL
    preset = preset_for(DEFAULT_MODEL)

    started = time.perf_counter()
    pipe = build_flux(cfg, device, dtype)
    _sync()
    build_s = time.perf_counter() - started
    params = sum(p.numel() for p in pipe.transformer.parameters()) / 1e6

    multiple = pipe.vae_scale_factor * 2
    w, h = generation_size(panel_size(args.panels, args.width), cfg["side"], multiple)
    options = {
        "num_inference_steps": preset.steps,
        "guidance_scale": preset.guidance,
        "width": w,
        "height": h,
        **dict(preset.extra),
    }
    prompts = _prompts(args.panels)
    print(
        f"FLUX.1-schnell architecture ({'tiny' if args.tiny else 'full'}, random weights): "
        f"transformer {params:,.1f}M params, {device} {str(dtype).removeprefix('torch.')}, "
        f"built in {build_s:.1f}s"
    )
    print(f"{args.panels} panels at {w}x{h}, {preset.steps} steps, guidance {preset.guidance}")

    runs: list[dict[str, Any]] = []
    for label, batch in (("batched", args.panels), ("one-by-one", 1)):
        runs.append({"run": label, **measure(pipe, prompts, options, batch, args.pages)})
        print(json.dumps(runs[-1]))
    if not args.no_compile:
        pipe.transformer.compile()
        runs.append({"run": "batched+compile", **measure(pipe, prompts, options, args.panels, args.pages)})
        print(json.dumps(runs[-1]))

    print(f"\n{'run':<17}{'s/page':>9}{'panels/s':>10}{'peak GiB':>10}{'warm-up s':>11}")
    for r in runs:
        print(
            f"{r['run']:<17}{r['s_per_page']:>9}{r['panels_per_s']:>10}{r['peak_gib']:>10}{r['warmup_s']:>11}"
        )
    if not cuda:
        print("(CPU: 'peak GiB' is the process's peak RSS, not GPU memory)")


if __name__ == "__main__":
    main()
