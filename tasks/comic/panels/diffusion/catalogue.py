"""The models we have defaults for: steps, guidance, native size and licence per family.

Light on purpose (no torch): choosing a renderer reads it before anything heavy is imported.

Model catalogue (defaults by family; `model_catalogue()` returns the same table):

| family         | steps | guidance | size | licence                          | commercial use        |
|----------------|-------|----------|------|----------------------------------|-----------------------|
| FLUX.1-schnell | 4     | 0.0      | 1024 | Apache-2.0                       | yes                   |
| SDXL-Lightning | 4     | 0.0      | 1024 | CreativeML Open RAIL++-M         | yes, use restrictions |
| Sana-Sprint    | 2     | 4.5      | 1024 | NVIDIA licence + Gemma Terms     | no (research only)    |
| SDXL-Turbo     | 1     | 0.0      | 512  | Stability AI Non-Commercial      | no (non-commercial)   |

Model ids: black-forest-labs/FLUX.1-schnell (the default), ByteDance/SDXL-Lightning (a 4-step UNet
for SDXL), Efficient-Large-Model/Sana_Sprint_1.6B_1024px_diffusers (its Gemma-2 text encoder comes
under the Gemma Terms of Use), stabilityai/sdxl-turbo (commercial use needs a Stability AI licence).
Licences are as published on the model cards; check the card before a commercial deployment.
Any other diffusers text-to-image pipeline works with generic defaults (25 steps, guidance 7.0, its
native size). SDXL-Lightning ships UNet weights, not a pipeline: point `comic.model` at a local
SDXL folder with the Lightning UNet saved in it. Panels are drawn at the model's native pixel area
with the panel's aspect; the layout cover-crops them to the final size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "black-forest-labs/FLUX.1-schnell"


@dataclass(frozen=True)
class ModelPreset:
    """Defaults for one model family; `match` holds lower-case fragments of ids or paths."""

    family: str
    model_id: str
    match: tuple[str, ...]
    steps: int
    guidance: float
    side: int | None  # native square side in px; None: read it from the pipeline
    licence: str
    commercial: str
    negative: bool = True  # False: the model ignores negative prompts (no classifier-free guidance)
    trailing: bool = False  # few-step distillations sample with "trailing" timesteps
    extra: tuple[tuple[str, Any], ...] = ()


MODEL_PRESETS = (
    ModelPreset(
        "FLUX.1-schnell", DEFAULT_MODEL, ("flux.1-schnell", "flux-schnell"), 4, 0.0, 1024,
        "Apache-2.0", "yes", negative=False, extra=(("max_sequence_length", 256),),
    ),
    ModelPreset(
        "SDXL-Lightning", "ByteDance/SDXL-Lightning", ("sdxl-lightning", "lightning"), 4, 0.0, 1024,
        "CreativeML Open RAIL++-M", "yes, with the licence's use restrictions", negative=False, trailing=True,
    ),
    ModelPreset(
        "Sana-Sprint", "Efficient-Large-Model/Sana_Sprint_1.6B_1024px_diffusers",
        ("sana_sprint", "sana-sprint"), 2, 4.5, 1024,
        "NVIDIA licence (weights) + Gemma Terms of Use (text encoder)",
        "no: research / non-commercial; check the model card", negative=False,
    ),
    ModelPreset(
        "SDXL-Turbo", "stabilityai/sdxl-turbo", ("sdxl-turbo",), 1, 0.0, 512,
        "Stability AI Non-Commercial Research Community License",
        "no: non-commercial only without a Stability AI licence", negative=False, trailing=True,
    ),
)  # fmt: skip
GENERIC_PRESET = ModelPreset("generic", "", (), 25, 7.0, None, "see the model card", "check the model card")


def model_catalogue() -> list[dict[str, Any]]:
    """The model families we have defaults for, with licences, as plain data."""
    return [
        {
            "family": p.family,
            "model_id": p.model_id,
            "steps": p.steps,
            "guidance": p.guidance,
            "size": p.side,
            "licence": p.licence,
            "commercial": p.commercial,
        }
        for p in MODEL_PRESETS
    ]


def preset_for(model: str) -> ModelPreset:
    """The family preset whose fragment appears in the model id or path, else generic defaults."""
    name = model.lower()
    return next((p for p in MODEL_PRESETS if any(m in name for m in p.match)), GENERIC_PRESET)


def local_path(model: str) -> Path | None:
    """The model as a local folder, or None for a hub id ("org/name")."""
    path = Path(model).expanduser()
    if model.startswith(("/", ".", "~")) or "\\" in model or model.count("/") != 1 or path.exists():
        return path
    return None
