"""The panel renderer interface: what a renderer is, and what it hands back for a page.

A renderer draws one picture per panel of a script and says what it is (its identity: everything
that changes its pixels, for cache keys) and where it runs ("cpu": Python on a core, drawn on the
process pool; "gpu": the model's device, one page at a time per slot). The renderers:
tasks/comic/panels/sketch.py (Pillow) and tasks/comic/panels/diffusion/renderer.py (diffusers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from tasks.backend_base import Backend
from tasks.models import ComicScript

if TYPE_CHECKING:
    from PIL import Image


@dataclass
class Panels:
    """What a renderer drew: one image per panel and what comic.json records about it."""

    images: list[Image.Image]
    credit_art: str  # "art: ..." part of the page's credit line
    label: str | None  # a visible label on the page (the sketch renderer's), or None
    meta: dict[str, Any] = field(default_factory=dict)  # ComicMeta fields (steps, dtype, ...)
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    fallback: bool = False  # a stand-in renderer drew these (said on the page and in comic.json)


class PanelRenderer(Backend, Protocol):
    @property
    def pages_in_flight(self) -> int:
        """Papers a comic flow draws at once with this renderer (2 on a GPU: one page's script,
        figures and layout run while the other's panels denoise)."""
        ...

    def render_panels(self, script: ComicScript, *, seed: int, size: tuple[int, int]) -> Panels: ...

    def warm_up(self, script: ComicScript, *, size: tuple[int, int]) -> Any:
        """Load and prepare what drawing needs, drawing one page; None when there is nothing to warm."""
        ...
