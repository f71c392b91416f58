"""Which panel renderer draws: one of config/backends.py's renderers, or "auto".

"auto" picks diffusion when a model is configured and usable here (a CUDA GPU, or a local model
folder), else the sketch renderer, and says why in the choice's notices. Torch is imported only to
look for a GPU when a model is configured, and the diffusion renderer's module (torch, diffusers)
only when it is chosen: a sketch run never pays for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from config.backends import AUTO, build, choices
from config.settings import ComicSettings, Settings
from tasks.comic.errors import ComicError
from tasks.comic.panels.base import PanelRenderer
from tasks.comic.panels.diffusion.catalogue import local_path

if TYPE_CHECKING:
    from config.settings import ComicSettings, Settings

RENDERERS = choices("renderer")


@dataclass
class RendererChoice:
    renderer: PanelRenderer
    notices: list[str] = field(default_factory=list)  # said in the log and in the comic's notices
    logged: list[str] = field(default_factory=list)  # said in the log only (the comic says it its own way)


def choose_panel_renderer(settings: Settings | ComicSettings) -> RendererChoice:
    """The renderer settings.comic.renderer names (config/backends.py), or "auto"'s choice.

    A run hands its Settings; a script, a bench or the warm-up may hand the comic section alone."""
    if isinstance(settings, ComicSettings):
        settings = Settings.model_construct(comic=settings)
    comic = settings.comic
    if comic.renderer not in RENDERERS:
        raise ComicError(f"unknown comic renderer {comic.renderer!r}; expected one of {RENDERERS}")
    model = comic.model
    if comic.renderer != AUTO:
        notices = []
        if model and comic.renderer == "sketch":
            notices = [f"comic.model {model!r} is ignored: the sketch renderer uses no model."]
        return RendererChoice(build("renderer", comic.renderer, settings), notices)
    if not model:
        notice = "comic: no diffusion model configured; drawing sketch panels"
        return RendererChoice(build("renderer", "sketch", settings), logged=[notice])
    import torch  # only to look for a GPU; the diffusion renderer (diffusers) is imported when built

    # A hub model on a CPU would take minutes per panel; a local folder is the user's explicit choice.
    if torch.cuda.is_available() or local_path(model) is not None:
        return RendererChoice(build("renderer", "diffusion", settings))
    why = f"comic.model {model!r} is not used: no CUDA GPU here and it is not a local folder"
    return RendererChoice(build("renderer", "sketch", settings), [f"comic: {why}; drawing sketch panels."])
