"""The sketch renderer's settings and everyday props: backgrounds and objects named by a scene's words.

Drawn before Pip, behind him; the motif table's own props are tasks/comic/panels/props.py.
"""

from __future__ import annotations

import math
import random

from PIL import Image, ImageOps

from tasks.comic.panels.pen import INK, Color, Pen

BULB = (255, 214, 72)
ROOMS = ("library", "classroom", "lab", "hospital", "dark")  # the other settings are outdoors
BOOK_COLOURS = [(200, 70, 60), (60, 110, 180), (230, 180, 60), (90, 160, 90), (150, 90, 160)]


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


def background(pen: Pen, canvas: Image.Image, setting: str, rng: random.Random) -> None:
    """The setting behind the characters: a room's wall and floor, or a sky over the ground."""
    if setting in ROOMS:
        _room(pen, setting, rng)
    else:
        _sky(pen, canvas, setting, rng)


def _room(pen: Pen, setting: str, rng: random.Random) -> None:
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


def _sky(pen: Pen, canvas: Image.Image, setting: str, rng: random.Random) -> None:
    if setting == "outdoors":
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


def everyday_props(pen: Pen, scene: str, rng: random.Random, mirror: bool) -> None:
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
