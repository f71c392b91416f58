"""Which panel renderer draws: "sketch", "diffusion" (the default model without comic.model) or "auto".

"auto" picks diffusion when a model is configured and usable here (a CUDA GPU, or a local model
folder), else the sketch renderer, and says why in the choice's notices. Torch is imported only to
look for a GPU when a model is configured, and the diffusion renderer's module (torch, diffusers)
only when it is chosen: a sketch run never pays for them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tasks.comic.errors import ComicError
from tasks.comic.panels.base import PanelRenderer
from tasks.comic.panels.diffusion.catalogue import DEFAULT_MODEL, local_path
from tasks.comic.panels.sketch import SketchRenderer

if TYPE_CHECKING:
    from config.settings import ComicSettings

logger = logging.getLogger(__name__)

RENDERERS = ("auto", "sketch", "diffusion")


@dataclass
class RendererChoice:
    renderer: PanelRenderer
    notices: list[str] = field(default_factory=list)


def _diffusion(settings: ComicSettings, model: str) -> PanelRenderer:
    from tasks.comic.panels.diffusion.renderer import DiffusionRenderer  # torch + diffusers: only now

    return DiffusionRenderer(settings, model)


def choose_panel_renderer(settings: ComicSettings) -> RendererChoice:
    """The renderer settings.comic asks for; "auto" as the module says."""
    if settings.renderer not in RENDERERS:
        raise ComicError(f"unknown comic renderer {settings.renderer!r}; expected one of {RENDERERS}")
    model = settings.model
    if settings.renderer == "sketch":
        notices = [f"comic.model {model!r} is ignored: the sketch renderer uses no model."] if model else []
        return RendererChoice(SketchRenderer(), notices)
    if settings.renderer == "diffusion":
        return RendererChoice(_diffusion(settings, model or DEFAULT_MODEL))
    if not model:
        logger.warning("comic: no diffusion model configured; drawing sketch panels")
        return RendererChoice(SketchRenderer())
    import torch  # only to look for a GPU

    # A hub model on a CPU would take minutes per panel; a local folder is the user's explicit choice.
    if torch.cuda.is_available() or local_path(model) is not None:
        return RendererChoice(_diffusion(settings, model))
    why = f"comic.model {model!r} is not used: no CUDA GPU here and it is not a local folder"
    logger.warning("comic: %s; drawing sketch panels", why)
    return RendererChoice(SketchRenderer(), [f"{why}."])
