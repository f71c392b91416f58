"""Text encoding apart from denoising: a page's prompts are encoded before it waits for the GPU.

With the prompt embeddings ready, the next page's text encoders run while the current page
denoises (the draw-comics flow draws two papers at a time; the denoising lock keeps one batch on the
GPU). Pipelines we know how to encode for: FLUX (CLIP pooled + T5) and Stable Diffusion (CLIP, with
classifier-free guidance). Any other pipeline encodes inside its own call, as before.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import torch

logger = logging.getLogger(__name__)

# One text encoding at a time: it may overlap a denoising batch, never another encoding.
ENCODE_LOCK = threading.Lock()


@dataclass
class Encoded:
    """Prompt embeddings, batch first, as keyword arguments of the pipeline's call."""

    tensors: dict[str, torch.Tensor]
    drops: tuple[str, ...] = ()  # call options the embeddings replace (negative_prompt)

    def select(self, indices: list[int]) -> dict[str, torch.Tensor]:
        return {k: v[indices] for k, v in self.tensors.items()}


def _device(pipe: Any) -> torch.device:
    return torch.device(getattr(pipe, "_execution_device", None) or pipe.device)


def encode_prompts(pipe: Any, prompts: list[str], options: dict[str, Any]) -> Encoded | None:
    """The pipeline's own text encoders over `prompts`, or None where this pipeline encodes itself."""
    name = type(pipe).__name__
    with ENCODE_LOCK, torch.inference_mode():
        if name == "FluxPipeline":
            embeds, pooled, _ids = pipe.encode_prompt(
                prompt=prompts,
                prompt_2=None,
                device=_device(pipe),
                num_images_per_prompt=1,
                max_sequence_length=int(options.get("max_sequence_length", 512)),
            )
            return Encoded({"prompt_embeds": embeds, "pooled_prompt_embeds": pooled})
        if name == "StableDiffusionPipeline":
            # The pipeline's own rule for classifier-free guidance (an LCM UNet never uses it).
            guided = (
                float(options.get("guidance_scale", 7.5)) > 1 and pipe.unet.config.time_cond_proj_dim is None
            )
            negative = options.get("negative_prompt")
            embeds, negative_embeds = pipe.encode_prompt(
                prompts,
                _device(pipe),
                1,
                guided,
                negative_prompt=[negative] * len(prompts) if negative else None,
            )
            tensors = {"prompt_embeds": embeds}
            if negative_embeds is not None:
                tensors["negative_prompt_embeds"] = negative_embeds
            return Encoded(tensors, drops=("negative_prompt",))
    logger.debug("comic: %s encodes its prompts inside its own call", name)
    return None
