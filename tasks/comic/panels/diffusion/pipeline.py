"""The diffusers pipeline: loaded once per process, every panel of a page in batched calls.

The model families, their defaults and licences: catalogue.py.
"""

from __future__ import annotations

import gc
import hashlib
import inspect
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from PIL import Image

from tasks.comic.errors import ComicError
from tasks.comic.panels.diffusion.catalogue import ModelPreset, local_path, preset_for
from tasks.comic.panels.diffusion.presets import panel_prompt
from tasks.comic.panels.diffusion.textenc import ENCODE_LOCK, Encoded
from tasks.models import ComicScript

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

BLACK_MAX = 2 / 255  # a panel whose brightest pixel is darker than this is "all black"
IMAGE_INPUTS = ("image", "control_image", "mask_image")  # a pipeline that needs one is not text-to-image


_PIPELINES: dict[tuple[Any, ...], Any] = {}
_LOAD_LOCK = threading.Lock()
# One denoising job at a time per process: two batches at once would only fight for GPU memory.
_GPU_LOCK = threading.Lock()


@dataclass
class RenderReport:
    """What render_panels did: resolved options, sizes, timings and notices for comic.json."""

    steps: int = 0
    guidance: float = 0.0
    dtype: str = ""
    device: str = ""
    size: tuple[int, int] = (0, 0)
    batch_size: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    prepared: Any = (
        None  # tasks.comic.panels.diffusion.warm.Prepared: the speed plan that ran, the guard's figures
    )


def resolve_device(device: str = "auto") -> str:
    return ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device


def resolve_dtype(dtype: str, device: str) -> torch.dtype:
    """ "auto" is bfloat16 on CUDA and float32 elsewhere (CPU half precision is slow and lossy)."""
    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    resolved = getattr(torch, dtype, None)
    if not isinstance(resolved, torch.dtype):
        raise ComicError(f"unknown comic dtype {dtype!r}; expected auto, bfloat16, float16 or float32")
    return resolved


def panel_seed(seed: int, index: int, attempt: int = 0) -> int:
    """A 31-bit seed per (paper seed, panel, attempt): a panel never depends on its batch."""
    digest = hashlib.sha256(f"{seed}:{index}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def _is_text_to_image(pipe: Any) -> bool:
    params = inspect.signature(pipe.__call__).parameters
    return "prompt" in params and not any(name in params for name in IMAGE_INPUTS)


def _from_pretrained(model: str, torch_dtype: torch.dtype) -> Any:
    from diffusers import AutoPipelineForText2Image, DiffusionPipeline

    path = local_path(model)
    if path is not None:
        if not path.exists():
            raise ComicError(f"comic model path {model!r} does not exist")
        if not (path / "model_index.json").is_file():
            raise ComicError(
                f"comic model {model!r} is not a diffusers pipeline folder (no model_index.json): "
                "a lone UNet, transformer or VAE cannot draw a panel"
            )
    source = str(path) if path is not None else model
    # A local folder never needs the hub; hub ids follow HF_HUB_OFFLINE by themselves.
    kwargs: dict[str, Any] = {"dtype": torch_dtype, "local_files_only": path is not None}
    try:
        return AutoPipelineForText2Image.from_pretrained(source, **kwargs)
    except Exception as exc:  # AutoPipeline rejects unknown classes; the generic loader may still work.
        auto_error = exc
    try:
        pipe = DiffusionPipeline.from_pretrained(source, **kwargs)
    except Exception as exc:
        raise ComicError(f"cannot load comic model {model!r}: {exc} (AutoPipeline: {auto_error})") from exc
    if not _is_text_to_image(pipe):
        raise ComicError(
            f"comic model {model!r} loads as {type(pipe).__name__}, which is not a text-to-image pipeline"
        )
    return pipe


def load_pipeline(
    model: str, *, dtype: str = "auto", device: str = "auto", compile: bool = False, cpu_offload: bool = False
) -> Any:
    """The text-to-image pipeline for `model`, loaded once per process and options."""
    dev = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, dev)
    key = _cache_key(model, dtype, device, compile, cpu_offload)
    with _LOAD_LOCK:
        if key in _PIPELINES:
            return _PIPELINES[key]
        # One pipeline in memory: a second model would double the GPU memory for nothing.
        if _PIPELINES:  # (a full collection walks the whole heap: only when there is one to free)
            _PIPELINES.clear()
            gc.collect()
        pipe = _from_pretrained(model, torch_dtype)
        if not _is_text_to_image(pipe):
            raise ComicError(f"comic model {model!r} ({type(pipe).__name__}) is not a text-to-image pipeline")
        if preset_for(model).trailing and hasattr(pipe.scheduler, "config"):
            pipe.scheduler = type(pipe.scheduler).from_config(
                pipe.scheduler.config, timestep_spacing="trailing"
            )
        pipe.set_progress_bar_config(disable=True)
        if cpu_offload and dev.startswith("cuda"):
            pipe.enable_model_cpu_offload(device=dev)
        else:
            pipe.to(dev)
        if compile:
            denoiser = getattr(pipe, "transformer", None) or pipe.unet
            denoiser.compile()
        _PIPELINES[key] = pipe
        return pipe


def _cache_key(model: str, dtype: str, device: str, compile: bool, cpu_offload: bool) -> tuple[Any, ...]:
    dev = resolve_device(device)
    return (model, str(resolve_dtype(dtype, dev)), dev, compile, cpu_offload)


def cached_pipeline(
    model: str, *, dtype: str = "auto", device: str = "auto", cpu_offload: bool = False
) -> Any:
    """The process's loaded (uncompiled) pipeline for these options, or None."""
    return _PIPELINES.get(_cache_key(model, dtype, device, False, cpu_offload))


def drop_pipelines() -> None:
    """Forget the loaded pipeline (the next page loads it again) and free its memory."""
    with _LOAD_LOCK:
        _PIPELINES.clear()
    _free_gpu()


def adopt_pipeline(model: str, pipe: Any, *, dtype: str = "auto", device: str = "auto") -> None:
    """Use a pipeline built in memory (a bench's random-weight model) as the one loaded for `model`."""
    pipe.set_progress_bar_config(disable=True)
    with _LOAD_LOCK:
        _PIPELINES.clear()
        _PIPELINES[_cache_key(model, dtype, device, False, False)] = pipe


def native_side(pipe: Any) -> int:
    """The square side in px the pipeline was trained at (default sample size x VAE scale)."""
    sample = getattr(pipe, "default_sample_size", None)
    if sample is None:
        denoiser = getattr(pipe, "transformer", None) or pipe.unet
        sample = denoiser.config.sample_size
    if isinstance(sample, list | tuple):
        sample = sample[0]
    return int(sample) * int(getattr(pipe, "vae_scale_factor", 8))


def generation_size(panel: tuple[int, int], side: int, multiple: int) -> tuple[int, int]:
    """The panel's aspect at the model's native area, rounded to what the model accepts."""
    aspect = panel[0] / panel[1]
    width = math.sqrt(side * side * aspect)
    height = width / aspect
    return (
        max(multiple, round(width / multiple) * multiple),
        max(multiple, round(height / multiple) * multiple),
    )


def _free_gpu() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _call(
    pipe: Any,
    prompts: list[str],
    seeds: list[int],
    options: dict[str, Any],
    embeds: dict[str, torch.Tensor] | None = None,
    drops: tuple[str, ...] = (),
) -> np.ndarray:
    # CPU generators: the same noise on any device, so a CPU run and a GPU run start alike.
    generators = [torch.Generator("cpu").manual_seed(s) for s in seeds]
    kwargs = {k: v for k, v in options.items() if not (embeds is not None and k in drops)}
    if kwargs.get("negative_prompt"):
        kwargs["negative_prompt"] = [kwargs["negative_prompt"]] * len(prompts)
    text: dict[str, Any] = {"prompt": prompts} if embeds is None else embeds
    with torch.inference_mode():
        result = pipe(generator=generators, output_type="np", **text, **kwargs)
    return np.asarray(result.images, dtype=np.float32)


def _batch_schedule(n: int, batch_size: int | None) -> list[int]:
    first = max(1, min(batch_size or n, n))
    return sorted({first, max(1, math.ceil(first / 2)), 1}, reverse=True)


def generate_images(
    pipe: Any,
    prompts: list[str],
    seeds: list[int],
    options: dict[str, Any],
    *,
    batch_size: int | None = None,
    report: RenderReport | None = None,
    encoded: Encoded | None = None,
) -> list[np.ndarray]:
    """Run the pipeline over all prompts, in as few calls as memory allows; HxWx3 floats in [0, 1].

    `encoded`: the prompts' embeddings (textenc.encode_prompts), so the denoising lock is held for
    denoising and decoding only.
    """
    report = report if report is not None else RenderReport()
    done: dict[int, np.ndarray] = {}
    schedule = _batch_schedule(len(prompts), batch_size)
    for i, size in enumerate(schedule):
        try:
            with _GPU_LOCK:
                pending = [j for j in range(len(prompts)) if j not in done]
                for start in range(0, len(pending), size):
                    chunk = pending[start : start + size]
                    embeds = encoded.select(chunk) if encoded is not None else None
                    drops = encoded.drops if encoded is not None else ()
                    images = _call(
                        pipe, [prompts[j] for j in chunk], [seeds[j] for j in chunk], options, embeds, drops
                    )
                    done.update(zip(chunk, images, strict=True))
            report.batch_size = size
            return [done[j] for j in range(len(prompts))]
        except torch.cuda.OutOfMemoryError as exc:
            _free_gpu()
            if i + 1 == len(schedule):
                raise ComicError(
                    f"out of GPU memory drawing one panel at a time ({options.get('width')}x"
                    f"{options.get('height')}): try comic.cpu_offload, a smaller model or comic.width"
                ) from exc
            note = f"Out of GPU memory with {size} panels per call; retrying {schedule[i + 1]} at a time."
            logger.warning(note)
            report.notices.append(note)
    raise AssertionError("unreachable: the schedule always ends with a batch of one")


def bad_image(image: np.ndarray) -> str | None:
    """Why an image is unusable ("NaN" or "all black"), or None."""
    if not np.isfinite(image).all():
        return "NaN"
    if float(image.max()) <= BLACK_MAX:
        return "all black"
    return None


def to_pil(image: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(image, 0.0, 1.0) * 255).round().astype(np.uint8))


def prompt_budget(pipe: Any, preset: ModelPreset) -> tuple[int, Callable[[str], int]] | None:
    """How many tokens of a prompt the pipeline reads, and a counter with its own tokenizer.

    A CLIP-only pipeline (SD, SDXL) reads 77 tokens, start and end included. Where a T5 or Gemma
    encoder reads the prompt (FLUX, SD3, Sana), CLIP only adds a pooled summary, and the long
    encoder's limit is the one that matters (FLUX's max_sequence_length).
    """
    tokenizers = [
        t for n in ("tokenizer", "tokenizer_2", "tokenizer_3") if (t := getattr(pipe, n, None)) is not None
    ]
    if not tokenizers:
        return None
    long = [t for t in tokenizers if "CLIP" not in type(t).__name__]
    tokenizer = long[-1] if long else tokenizers[0]
    readable = [
        min(int(getattr(t, "model_max_length", 512)), 512) for t in ([tokenizer] if long else tokenizers)
    ]
    limit = int(dict(preset.extra).get("max_sequence_length") or min(readable))

    def count(text: str) -> int:
        # A fast tokenizer's padding and truncation are state of the shared tokenizer, set by each
        # call: a count racing another page's encoding would unpad its batch. One at a time.
        with ENCODE_LOCK:
            return len(tokenizer(text, truncation=False, add_special_tokens=True, verbose=False)["input_ids"])

    return limit, count


def resolve_options(model: str, steps: int | None, guidance: float | None) -> tuple[ModelPreset, int, float]:
    """The model's preset and the steps and guidance in force (explicit values win)."""
    preset = preset_for(model)
    return preset, steps or preset.steps, preset.guidance if guidance is None else guidance


def page_request(
    pipe: Any,
    script: ComicScript,
    preset: ModelPreset,
    look: tuple[Any, Any],
    negative: str,
    size: tuple[int, int],
    side: int | None,
    steps: int,
    scale: float,
) -> tuple[list[str], dict[str, Any], list[int]]:
    """The page's prompts (fitted to the text encoder), call options, and the trimmed panels' numbers."""
    sheet, style = look
    budget = prompt_budget(pipe, preset)
    limit, count = budget if budget is not None else (None, None)
    prompts = [panel_prompt(p, sheet, style, count_tokens=count, max_tokens=limit) for p in script.panels]
    full = [panel_prompt(p, sheet, style) for p in script.panels]
    trimmed = [i + 1 for i, (a, b) in enumerate(zip(prompts, full, strict=True)) if a != b]
    multiple = int(getattr(pipe, "vae_scale_factor", 8)) * 2
    width, height = generation_size(size, side or preset.side or native_side(pipe), multiple)
    options: dict[str, Any] = {
        "num_inference_steps": steps,
        "guidance_scale": scale,
        "width": width,
        "height": height,
        **dict(preset.extra),
    }
    if negative and preset.negative and "negative_prompt" in inspect.signature(pipe.__call__).parameters:
        options["negative_prompt"] = negative
    return prompts, options, trimmed
