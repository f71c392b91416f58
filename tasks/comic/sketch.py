"""The sketch panel renderer: flat Pillow drawings of Pip the mascot, a background and a few props.

No model and no GPU. The setting and props come from words in each panel's scene, their placement
from the seed, so the same script and seed give identical pixels. Panels carry no text: lettering
is the layout's job. The top of each panel is kept calm because speech balloons go there. The
motif table's props are drawn by tasks/comic/props.py; a scene that puts Pip "on the left" leaves
the right free for the figure board or callout the layout adds.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageOps

from tasks.comic.props import draw_motif_props
from tasks.models import ComicScript

Color = tuple[int, int, int]

SUPERSAMPLE = 2  # ImageDraw does not anti-alias; drawing at 2x and downsampling smooths edges.
INK = (34, 34, 40)
PIP_BODY = (43, 179, 163)
PIP_SHADE = (30, 140, 128)
PIP_BELLY = (196, 240, 230)
PIP_CHEEK = (255, 150, 160)
BULB = (255, 214, 72)
MOUTH = (150, 40, 60)
BOOK_COLOURS = [(200, 70, 60), (60, 110, 180), (230, 180, 60), (90, 160, 90), (150, 90, 160)]

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


@dataclass(frozen=True)
class Pen:
    """Drawing context; `u` is one percent of the panel's short side, the unit of every shape."""

    draw: ImageDraw.ImageDraw
    w: int
    h: int
    u: float

    def x(self, fx: float) -> int:
        return round(fx * self.w)

    def y(self, fy: float) -> int:
        return round(fy * self.h)

    def s(self, units: float) -> int:
        # Offsets may be negative; positive sizes never round down to an invisible 0 px.
        return round(units * self.u) if units < 0 else max(1, round(units * self.u))

    def pts(self, x: float, y: float, offsets: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x + dx * self.u, y + dy * self.u) for dx, dy in offsets]

    def oval(self, x: float, y: float, rx: float, ry: float, fill: Color | None, lw: float = 0.5) -> None:
        box = (x - rx * self.u, y - ry * self.u, x + rx * self.u, y + ry * self.u)
        self.draw.ellipse(box, fill=fill, outline=INK if lw else None, width=self.s(lw) if lw else 0)

    def box(self, x0: float, y0: float, x1: float, y1: float, fill: Color, lw: float = 0.5) -> None:
        rect = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        self.draw.rectangle(rect, fill=fill, outline=INK if lw else None, width=self.s(lw) if lw else 0)

    def poly(
        self, x: float, y: float, offsets: Sequence[tuple[float, float]], fill: Color, lw: float = 0.5
    ) -> None:
        pts = self.pts(x, y, offsets)
        self.draw.polygon(pts, fill=fill, outline=INK if lw else None, width=self.s(lw) if lw else 0)

    def rays(self, x: float, y: float, r0: float, r1: float, n: int, color: Color, lw: float) -> None:
        for k in range(n):
            c, s = math.cos(2 * math.pi * k / n), math.sin(2 * math.pi * k / n)
            self.draw.line(
                [(x + r0 * self.u * c, y + r0 * self.u * s), (x + r1 * self.u * c, y + r1 * self.u * s)],
                fill=color,
                width=self.s(lw),
            )


def _choose(table: tuple[tuple[tuple[str, ...], str], ...], scene: str, default: str) -> str:
    text = scene.lower()
    return next((name for words, name in table if any(word in text for word in words)), default)


# --------------------------------------------------------------------------- backgrounds


def _gradient(canvas: Image.Image, height: int, top: Color, bottom: Color) -> None:
    ramp = Image.linear_gradient("L").resize((canvas.width, height), Image.Resampling.BILINEAR)
    canvas.paste(ImageOps.colorize(ramp, top, bottom).convert("RGB"), (0, 0))


def _ground(pen: Pen, level: float, fill: Color) -> None:
    pen.box(-pen.s(2), pen.y(level), pen.w + pen.s(2), pen.h + pen.s(2), fill, lw=0.6)


def _bookshelf(pen: Pen, left: int, right: int, rng: random.Random) -> None:
    top, bottom = pen.y(0.08), pen.y(0.8)
    pen.box(left, top, right, bottom, (120, 78, 48), lw=0.6)
    for i in range(4):
        shelf_top, shelf = top + (bottom - top) * i // 4 + pen.s(1.5), top + (bottom - top) * (i + 1) // 4
        x = left + pen.s(1.5)
        while x < right - pen.s(4):
            bw, bh = pen.s(rng.uniform(2.2, 4.0)), round((shelf - shelf_top) * rng.uniform(0.65, 0.95))
            pen.box(x, shelf - bh, min(x + bw, right - pen.s(1.5)), shelf, rng.choice(BOOK_COLOURS), lw=0.25)
            x += bw + pen.s(0.3)
        pen.draw.line([(left, shelf), (right, shelf)], fill=INK, width=pen.s(0.8))


def _background(pen: Pen, canvas: Image.Image, setting: str, rng: random.Random) -> None:
    if setting in ("library", "classroom", "lab"):
        wall, floor = {
            "library": ((244, 226, 196), (176, 124, 82)),
            "classroom": ((222, 236, 226), (160, 130, 100)),
            "lab": ((226, 234, 242), (150, 160, 175)),
        }[setting]
        pen.box(0, 0, pen.w, pen.h, wall, lw=0)
        if setting == "lab":  # wall tiles
            for g in range(0, max(pen.w, pen.h), pen.s(8)):
                pen.draw.line([(g, 0), (g, pen.h)], fill=(205, 215, 228), width=pen.s(0.25))
                pen.draw.line([(0, g), (pen.w, g)], fill=(205, 215, 228), width=pen.s(0.25))
        _ground(pen, 0.8, floor)
        if setting == "library":
            left = rng.random() < 0.5
            _bookshelf(pen, pen.x(0.03 if left else 0.7), pen.x(0.3 if left else 0.97), rng)
    elif setting == "hospital":
        pen.box(0, 0, pen.w, pen.h, (222, 240, 236), lw=0)
        window = (pen.x(0.06), pen.y(0.1), pen.x(0.3), pen.y(0.42))
        pen.box(*window, (190, 225, 245), lw=0.6)
        pen.draw.line(
            [((window[0] + window[2]) // 2, window[1]), ((window[0] + window[2]) // 2, window[3])],
            fill=INK,
            width=pen.s(0.5),
        )
        _ground(pen, 0.82, (176, 186, 196))
    elif setting == "dark":
        pen.box(0, 0, pen.w, pen.h, (46, 48, 66), lw=0)
        _ground(pen, 0.86, (72, 60, 70))
    elif setting == "outdoors":
        _gradient(canvas, pen.y(0.8), (150, 205, 245), (225, 240, 250))
        pen.oval(pen.x(0.85), pen.y(0.16), 6, 6, (255, 214, 72), lw=0.5)
        _ground(pen, 0.8, (120, 190, 90))
    elif setting == "storm":
        _gradient(canvas, pen.h, (120, 130, 150), (190, 196, 205))
        for i in range(3):  # mountains
            cx, half = pen.x(rng.uniform(0.1, 0.9)), rng.uniform(22, 35)
            peak = (pen.y(0.8) - pen.y(rng.uniform(0.38, 0.55))) / pen.u - i * 3
            pen.poly(cx, pen.y(0.8), [(-half, 0), (0, -peak), (half, 0)], (110, 118, 132), lw=0.3)
        _ground(pen, 0.8, (128, 140, 110))
    elif setting == "sunrise":
        _gradient(canvas, pen.y(0.75), (140, 196, 240), (255, 200, 150))
        sx, sy = pen.x(rng.choice([0.16, 0.84])), pen.y(0.58)
        pen.rays(sx, sy, 9, 12, 12, (255, 190, 60), 0.8)
        pen.oval(sx, sy, 7, 7, (255, 200, 70))
        pen.draw.ellipse(
            (-pen.x(0.3), pen.y(0.68), pen.x(1.3), pen.y(1.5)),
            fill=(120, 190, 90),
            outline=INK,
            width=pen.s(0.6),
        )
    elif setting == "stage":
        _gradient(canvas, pen.h, (255, 236, 200), (255, 206, 160))
        for _ in range(40):  # confetti
            x, y = rng.randrange(pen.w), rng.randrange(pen.y(0.75))
            pen.box(x, y, x + pen.s(1.2), y + pen.s(0.7), rng.choice(BOOK_COLOURS), lw=0)
        _ground(pen, 0.84, (190, 70, 70))
    else:
        _gradient(
            canvas, pen.h, rng.choice([(222, 238, 250), (240, 230, 250), (230, 246, 232)]), (250, 246, 236)
        )
        pen.draw.line([(0, pen.y(0.82)), (pen.w, pen.y(0.82))], fill=INK, width=pen.s(0.6))


# --------------------------------------------------------------------------- props


def _desk(pen: Pen, x0: float, x1: float, lamp: bool, paper: bool) -> None:
    left, right, top = pen.x(min(x0, x1)), pen.x(max(x0, x1)), pen.y(0.66)
    for lx in (left + pen.s(3), right - pen.s(5)):
        pen.box(lx, top, lx + pen.s(2), pen.y(0.92), (120, 75, 45))
    pen.box(left, top, right, top + pen.s(2.5), (150, 95, 55))
    x = right - pen.s(9) if x1 > x0 else left + pen.s(9)
    if lamp:
        pen.draw.pieslice(pen.pts(x, top, [(-12, -14), (12, 6)]), 40, 140, fill=(255, 240, 170))
        pen.draw.line(pen.pts(x, top, [(0, 0), (0, -14)]), fill=INK, width=pen.s(1))
        pen.poly(x, top, [(-6, -12), (6, -12), (3, -19), (-3, -19)], (90, 160, 120))
    if paper:
        px = (left + right) // 2
        pen.poly(px, top, [(-5, -1), (-4, -14), (5, -15), (6, -1)], (255, 255, 255), lw=0.4)
        for k in range(4):  # scribbled lines stand in for print; they are not letters
            pen.draw.line(
                pen.pts(px, top, [(-2.5, -12 + 2.5 * k), (3.5, -12.3 + 2.5 * k)]),
                fill=(150, 150, 160),
                width=pen.s(0.4),
            )


def _books(pen: Pen, x: int) -> None:
    for i, color in enumerate(BOOK_COLOURS[:3]):
        pen.box(
            x - pen.s(6.5 - i),
            pen.y(0.9) - pen.s(3 * i + 3),
            x + pen.s(6.5 - i),
            pen.y(0.9) - pen.s(3 * i),
            color,
            lw=0.4,
        )


def _wires(pen: Pen, cx: float, rng: random.Random) -> None:
    for color in BOOK_COLOURS[:3]:
        pts = [(pen.x(cx + rng.uniform(-0.13, 0.13)), pen.y(rng.uniform(0.6, 0.9))) for _ in range(9)]
        pen.draw.line(pts, fill=INK, width=pen.s(1.4), joint="curve")
        pen.draw.line(pts, fill=color, width=pen.s(0.8), joint="curve")


def _cloud(pen: Pen, x: int, y: int, storm: bool) -> None:
    puffs = [(-8, 0, 6), (-2, -3, 7), (5, -1, 6), (9, 2, 4), (0, 3, 5)]
    for px, py, r in puffs:  # outline first, then fill, so the puffs merge into one shape
        pen.oval(x + px * pen.u, y + py * pen.u, r + 0.5, r + 0.5, INK, lw=0)
    for px, py, r in puffs:
        pen.oval(x + px * pen.u, y + py * pen.u, r, r, (150, 156, 170) if storm else (255, 255, 255), lw=0)
    if storm:
        for k in range(5):
            pen.draw.line(
                pen.pts(x, y, [(-9 + 4 * k, 9), (-10.5 + 4 * k, 14)]), fill=(90, 130, 200), width=pen.s(0.6)
            )
        pen.poly(x, y, [(0, 6), (-3, 13), (1, 13), (-2, 21), (5, 10), (1, 10), (3, 6)], BULB, lw=0.4)


def _lightbulb(pen: Pen, x: int, y: int) -> None:
    pen.rays(x, y, 9, 13, 8, (255, 180, 40), 0.9)
    pen.oval(x, y, 7, 7, BULB)
    pen.box(x - pen.s(3), y + pen.s(5.5), x + pen.s(3), y + pen.s(10), (160, 160, 170), lw=0.4)


def _blackboard(pen: Pen, x0: float, x1: float, rng: random.Random) -> None:
    left, top, right, bottom = pen.x(min(x0, x1)), pen.y(0.14), pen.x(max(x0, x1)), pen.y(0.6)
    pen.draw.rectangle((left, top, right, bottom), fill=(46, 84, 62), outline=(130, 90, 50), width=pen.s(1.6))
    chalk, bw, bh = (235, 240, 230), right - left, bottom - top
    for _ in range(3):  # node-and-arrow doodles, never letters
        nx, ny = left + bw * rng.uniform(0.2, 0.8), top + bh * rng.uniform(0.3, 0.75)
        pen.draw.ellipse(pen.pts(nx, ny, [(-2.5, -2.5), (2.5, 2.5)]), outline=chalk, width=pen.s(0.4))
    ax, ay = left + bw * 4 // 5, top + bh // 2
    line = [(left + bw // 5, top + bh * 2 // 3), (left + bw // 2, top + bh // 3), (ax, ay)]
    pen.draw.line(line, fill=chalk, width=pen.s(0.5))
    pen.draw.polygon(pen.pts(ax, ay, [(0, 0), (-2.5, -1.5), (-1.8, 1.2)]), fill=chalk)


def _gears(pen: Pen, x: int, y: int, rng: random.Random) -> None:
    for dx, dy, r, teeth in ((0, 0, 9, 10), (13, -7, 6, 7)):
        turn, n = rng.uniform(0, math.pi), teeth * 4
        rim = [r + (1.8 if k % 4 in (1, 2) else 0) for k in range(n)]
        angles = [turn + 2 * math.pi * k / n for k in range(n)]
        pen.poly(
            x + dx * pen.u,
            y + dy * pen.u,
            [(rr * math.cos(a), rr * math.sin(a)) for rr, a in zip(rim, angles, strict=True)],
            (170, 175, 185),
        )
        pen.oval(x + dx * pen.u, y + dy * pen.u, r * 0.35, r * 0.35, (90, 95, 105), lw=0)


def _chart(pen: Pen, x0: float, x1: float, rng: random.Random) -> None:
    left, right, top, base = pen.x(min(x0, x1)), pen.x(max(x0, x1)), pen.y(0.5), pen.y(0.82)
    pen.box(left, top, right, base, (255, 255, 255))
    bw = (right - left) // 9
    for i in range(4):  # rising bars: the result got better
        bh = int((base - top - pen.s(4)) * (0.25 + 0.7 * (i + 1) / 4 * rng.uniform(0.9, 1.0)))
        x = left + bw * (2 * i + 1)
        pen.box(x, base - bh, x + bw, base, (90, 190, 120) if i == 3 else (100, 150, 220), lw=0.4)


def _trophy(pen: Pen, x: int) -> None:
    base, gold = pen.y(0.84), (246, 196, 60)
    pen.box(x - pen.s(6), base - pen.s(3), x + pen.s(6), base, (120, 80, 50), lw=0.4)
    pen.box(x - pen.s(1.5), base - pen.s(8), x + pen.s(1.5), base - pen.s(3), gold, lw=0.4)
    for side in (-7, 7):  # handles
        pen.draw.ellipse(pen.pts(x, base, [(side - 3, -18), (side + 3, -12)]), outline=INK, width=pen.s(1.2))
    pen.draw.chord(pen.pts(x, base, [(-8, -24), (8, -6)]), 0, 180, fill=gold, outline=INK, width=pen.s(0.5))
    pen.box(x - pen.s(8), base - pen.s(16), x + pen.s(8), base - pen.s(15), gold, lw=0)


def _town(pen: Pen, x0: float, x1: float, rng: random.Random) -> None:
    x, base = pen.x(x0), pen.y(0.73)
    while x < pen.x(x1):
        w, h = rng.uniform(5, 8), rng.uniform(5, 10)
        pen.box(
            x, base - pen.s(h), x + pen.s(w), base, rng.choice([(250, 240, 220), (220, 230, 245)]), lw=0.3
        )
        pen.poly(x, base, [(-0.8, -h), (w / 2, -h - 4), (w + 0.8, -h)], (200, 80, 70), lw=0.3)
        x += pen.s(w + 1.5)


def _props(pen: Pen, scene: str, rng: random.Random, mirror: bool) -> None:
    text = scene.lower()

    def side(fx: float) -> float:
        return 1 - fx if mirror else fx

    if "desk" in text:
        _desk(pen, side(0.55), side(0.95), lamp="lamp" in text, paper="paper" in text)
    if "books" in text:
        _books(pen, pen.x(side(0.14)))
    if "wires" in text or "tangled" in text:
        _wires(pen, side(0.2), rng)
    if "cloud" in text or "storm" in text:
        _cloud(pen, pen.x(side(0.8)), pen.y(0.3), storm="storm" in text or "grey" in text)
    if "blackboard" in text:
        _blackboard(pen, side(0.55), side(0.97), rng)
    if "lightbulb" in text:
        _lightbulb(pen, pen.x(side(0.2)), pen.y(0.42))
    if "gears" in text:
        _gears(pen, pen.x(side(0.8)), pen.y(0.66), rng)
    if "chart" in text or "graph" in text:
        _chart(pen, side(0.66), side(0.96), rng)
    if "trophy" in text:
        _trophy(pen, pen.x(side(0.16)))
    if "town" in text or "city" in text:
        _town(pen, side(0.62) if not mirror else 0.04, 0.96 if not mirror else 0.38, rng)


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
    _background(pen, canvas, _choose(SETTINGS, scene, "plain"), rng)
    if "on the left" in scene:
        # The layout puts the paper's figure or a number callout on the right of this panel.
        mirror = False
        centre = 0.2
    else:
        centre = 0.5 + (0.06 if mirror else -0.06) + rng.uniform(-0.03, 0.03)
        _props(pen, scene, rng, mirror)
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
