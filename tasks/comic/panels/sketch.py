"""The sketch panel renderer: flat Pillow drawings of Pip the mascot, a background and a few props.

No model and no GPU. The setting and props come from words in each panel's scene, their placement
from the seed, so the same script and seed give identical pixels. Panels carry no text: lettering
is the layout's job. The top of each panel is kept calm because speech balloons go there. The
motif table's props are drawn by tasks/comic/panels/props.py; a scene that puts Pip "on the left" leaves
the right free for the figure board or callout the layout adds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from tasks.backend_base import RunsOn
from tasks.comic.panels.base import Panels
from tasks.comic.panels.pen import INK, Pen
from tasks.comic.panels.props import draw_motif_props
from tasks.comic.panels.scenery import BULB, background, everyday_props
from tasks.models import ComicScript

if TYPE_CHECKING:
    from config.settings import Settings

SKETCH_VERSION = "sketch-2"  # bump when sketch or layout output changes: it is part of cache keys
# 2: motif props (tasks/comic/panels/props.py), Pip on the left beside figures, 2x2 box downsampling
SKETCH_LABEL = "sketch renderer — no diffusion model"
SKETCH_NOTICE = (
    "Sketch renderer: no diffusion model configured; panels are simple Pillow drawings, not generated art."
)
SUPERSAMPLE = 2  # ImageDraw does not anti-alias; drawing at 2x and downsampling smooths edges.
PIP_BODY = (43, 179, 163)
PIP_SHADE = (30, 140, 128)
PIP_BELLY = (196, 240, 230)
PIP_CHEEK = (255, 150, 160)
MOUTH = (150, 40, 60)

# Scene words -> setting; the first match wins, so the more specific words come first.
SETTINGS = (
    (("hospital",), "hospital"),
    (("dark room", "dark stage"), "dark"),
    (("blackboard", "classroom", "diagram"), "classroom"),
    (("bright lab", "lab bench", "gears", "microscope", "corkboard", "toolbox", "tools"), "lab"),
    (("library", "desk", "study"), "library"),
    (("storm", "mountain", "tangled", "worried"), "storm"),
    (("cliff", "garden", "rocket", "cart", "path"), "outdoors"),
    (("sunrise", "hill", "town", "world", "sunset"), "sunrise"),
    (("chart", "trophy", "stage", "theatre", "cheers", "celebrat", "medal", "rosette"), "stage"),
)
POSES = (
    (("worried", "confused", "stuck", "frown", "wobbl", "lost", "juggles", "stares", "races", "squints",
      "buried", "crashes", "messy", "pushes", "every direction", "tangled"), "worried"),
    (("excited", "jumps", "lightbulb", "eureka", "points", "clicks", "stacks bright", "strings", "rides",
      "turns"),
     "excited"),
    (("magnifying", "peers", "inspect", "closer", "writes", "adjusts", "listens", "slides", "guides",
      "feeds", "shakes", "walks"), "focused"),
    (("cheers", "celebrat", "trophy", "arms up", "holds up", "waves", "bows", "shows off"), "happy"),
    (("smiles", "sunrise", "proud", "calm", "relaxes", "hands", "shares", "admire"), "content"),
)  # fmt: skip


def _choose(table: tuple[tuple[tuple[str, ...], str], ...], scene: str, default: str) -> str:
    text = scene.lower()
    return next((name for words, name in table if any(word in text for word in words)), default)


# --------------------------------------------------------------------------- Pip

ARMS = {  # hand positions (units from the shoulder) per pose
    "curious": ((-18, 8), (17, 6)),
    "worried": ((-19, -6), (19, -6)),  # a helpless shrug
    "excited": ((-16, 10), (18, -20)),  # pointing up at the idea
    "focused": ((-16, 8), (19, -4)),
    "happy": ((-20, -20), (20, -20)),
    "content": ((-17, 9), (17, 9)),
}


def _eye(pen: Pen, x: float, y: float, pose: str, look: tuple[float, float]) -> None:
    if pose in ("happy", "content"):  # closed, smiling eyes
        pen.draw.arc(pen.pts(x, y, [(-4.2, -2.5), (4.2, 5)]), 200, 340, fill=INK, width=pen.s(1.1))
        return
    ry = 2.3 if pose == "focused" else 4.2
    pen.oval(x, y, 4.2, ry, (255, 255, 255), lw=0.7)
    px, py = x + look[0] * 1.5 * pen.u, y + look[1] * ry * 0.35 * pen.u
    pen.oval(px, py, 1.7 if pose == "focused" else 2.1, 1.7 if pose == "focused" else 2.1, INK, lw=0)
    pen.oval(px - 0.7 * pen.u, py - 0.8 * pen.u, 0.8, 0.8, (255, 255, 255), lw=0)


def _pip(pen: Pen, x: int, pose: str) -> None:
    """Pip: a teal bean-shaped robot; same colours and proportions in every panel, pose varies."""
    foot = pen.y(0.93)
    top = foot - pen.s(34) - (pen.s(4) if pose in ("excited", "happy") else 0)
    cy, u = top + pen.s(16), pen.u
    pen.oval(x, foot, 15, 2, (190, 180, 165), lw=0)  # shadow
    for fx in (-6, 6):
        pen.oval(x + fx * u, cy + 16 * u, 4, 2.8, PIP_SHADE, lw=0.6)
    shoulder = cy + 2.5 * u
    for side, (ex, ey) in zip((-1, 1), ARMS[pose], strict=True):
        start, end = (x + side * 11 * u, shoulder), (x + ex * u, shoulder + ey * u)
        for color, width in ((INK, 5.0), (PIP_BODY, 4.0)):
            pen.draw.line([start, end], fill=color, width=pen.s(width))
            pen.oval(end[0], end[1], width / 2, width / 2, color, lw=0)
    # The antenna goes before the body so its stem tucks behind the head.
    tip = (x + 3 * u, top - 9 * u)
    pen.draw.line([(x, top + 3 * u), tip], fill=INK, width=pen.s(1))
    if pose == "excited":
        pen.oval(*tip, 5, 5, (255, 240, 170), lw=0)
    pen.oval(*tip, 2.6, 2.6, BULB)
    pen.oval(x, cy, 13, 16, PIP_BODY, lw=0.9)
    pen.oval(x, cy + 7.5 * u, 8, 6.4, PIP_BELLY, lw=0)
    eye_y = cy - 5.8 * u
    look = {"curious": (0.6, -0.6), "worried": (0, 0.4), "focused": (1, 0.2)}.get(pose, (0, 0))
    for dx in (-5.5, 5.5):
        _eye(pen, x + dx * u, eye_y, pose, look)
        pen.oval(x + dx * 1.75 * u, eye_y + 6.2 * u, 2.2, 1.25, PIP_CHEEK, lw=0)
    my = eye_y + 8 * u
    if pose in ("excited", "happy"):
        pen.draw.chord(pen.pts(x, my, [(-5, -3), (5, 5)]), 0, 180, fill=MOUTH, outline=INK, width=pen.s(0.6))
    elif pose == "worried":
        wave = [(-4, 1), (-2, 0), (0, 1), (2, 0), (4, 1)]
        pen.draw.line(pen.pts(x, my, wave), fill=INK, width=pen.s(0.7))
        pen.oval(x - 14.5 * u, top + 6 * u, 1.6, 1.9, (120, 180, 240), lw=0.3)  # sweat drop
        for dx, tilt in ((-5.5, 1.2), (5.5, -1.2)):  # brows raised toward the middle: worry
            pen.draw.line(
                pen.pts(x + dx * u, eye_y, [(-3, -6 + tilt), (3, -6 - tilt)]), fill=INK, width=pen.s(0.8)
            )
    elif pose == "curious":
        pen.oval(x, my + 0.6 * u, 1.5, 1.6, MOUTH)
    else:
        pen.draw.arc(pen.pts(x, my, [(-4, -3), (4, 2)]), 20, 160, fill=INK, width=pen.s(0.8))
    if pose == "focused":  # magnifying glass in the raised hand
        hx, hy = x + 19 * u, shoulder - 4 * u
        pen.draw.line(pen.pts(hx, hy, [(0, 0), (4, -6)]), fill=(120, 80, 50), width=pen.s(1.6))
        pen.oval(hx + 7 * u, hy - 11 * u, 6, 6, (220, 240, 255), lw=1.1)


# --------------------------------------------------------------------------- public


def _panel(scene: str, seed: int, index: int, size: tuple[int, int]) -> Image.Image:
    w, h = size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE
    canvas = Image.new("RGB", (w, h), (250, 246, 236))
    pen = Pen(ImageDraw.Draw(canvas), w, h, min(w, h) / 100)
    rng = random.Random(seed * 7919 + index)
    mirror = rng.random() < 0.5
    background(pen, canvas, _choose(SETTINGS, scene, "plain"), rng)
    if "on the left" in scene:
        # The layout puts the paper's figure or a number callout on the right of this panel.
        mirror = False
        centre = 0.2
    else:
        centre = 0.5 + (0.06 if mirror else -0.06) + rng.uniform(-0.03, 0.03)
        everyday_props(pen, scene, rng, mirror)
        draw_motif_props(pen, scene, rng, mirror)
    _pip(pen, pen.x(centre), _choose(POSES, scene, "curious"))
    # Drawn at twice the size: averaging 2x2 blocks smooths the edges like the LANCZOS shrink it
    # replaces, at a tenth of the cost.
    return canvas.reduce(SUPERSAMPLE)


def render_sketch_panels(script: ComicScript, *, seed: int, size: tuple[int, int]) -> list[Image.Image]:
    """One Pillow-drawn panel per script panel, `size` pixels each; same seed -> identical pixels."""
    if size[0] < 32 or size[1] < 32:
        raise ValueError(f"panel size must be at least 32x32 px, got {size}")
    return [_panel(panel.scene, seed, i, size) for i, panel in enumerate(script.panels)]


@dataclass(frozen=True)
class SketchRenderer:
    """Pillow drawings of the mascot and simple props: no model, no GPU."""

    name: str = "sketch"
    runs_on: RunsOn = "cpu"
    pages_in_flight: int = 1

    @property
    def identity(self) -> tuple[str, ...]:
        return ("sketch", SKETCH_VERSION)

    def warm_up(self, script: ComicScript, *, size: tuple[int, int]) -> None:
        """Nothing to load or compile."""
        return None

    def render_panels(self, script: ComicScript, *, seed: int, size: tuple[int, int]) -> Panels:
        started = perf_counter()
        images = render_sketch_panels(script, seed=seed, size=size)
        return Panels(
            images=images,
            credit_art=f"art: sketch renderer ({SKETCH_VERSION}), seed {seed}",
            label=SKETCH_LABEL,
            meta={"renderer_version": SKETCH_VERSION},
            notices=[SKETCH_NOTICE],
            fallback=True,
            timings={"generate_s": round(perf_counter() - started, 3)},
        )


def build(settings: Settings) -> SketchRenderer:
    return SketchRenderer()
