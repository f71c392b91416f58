"""Props of the motif table (config/comic/motifs.yaml) for the sketch renderer: one small drawing each.

`draw_motif_props` draws every prop whose noun is in the scene, on the side away from Pip. Shapes
are in the sketch's units (one percent of the panel's short side) so they scale with the panel.
Like every sketch, they carry no text.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from tasks.comic.panels.pen import INK, Color, Pen

WOOD = (176, 120, 70)
PAPER = (255, 255, 255)
RED = (214, 64, 56)
BLUE = (66, 120, 196)
GOLD = (246, 196, 60)
GREEN = (90, 170, 90)
COLOURS = [(200, 70, 60), (60, 110, 180), (230, 180, 60), (90, 160, 90), (150, 90, 160)]


def _scribbles(pen: Pen, x: float, y: float, w: float, rows: int, colour: Color = (150, 150, 160)) -> None:
    for k in range(rows):  # lines stand in for print; they are not letters
        pen.draw.line(pen.pts(x, y, [(0, 2.2 * k), (w, 2.2 * k - 0.3)]), fill=colour, width=pen.s(0.4))


def tower(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    lean = 1.6 if "wobbl" in text or "lean" in text else 0.0
    base = pen.y(0.9)
    for level in range(7):
        w = 13 - level * 0.8
        x = cx + (lean * level * level * 0.25 + rng.uniform(-0.4, 0.4)) * pen.u
        y1 = base - level * 6.5 * pen.u
        pen.box(x - w * pen.u / 2, y1 - 6.2 * pen.u, x + w * pen.u / 2, y1, COLOURS[level % 5], lw=0.5)


def glowing_book(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    x, y = cx, pen.y(0.42)
    pen.rays(x, y, 7, 11, 10, (255, 214, 72), 0.7)
    pen.box(x - 3 * pen.u, y - 5 * pen.u, x + 3 * pen.u, y + 5 * pen.u, RED, lw=0.6)


def notebook(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    x, y = cx, pen.y(0.7)
    pen.box(x - 14 * pen.u, y - 10 * pen.u, x, y + 8 * pen.u, PAPER, lw=0.6)
    pen.box(x, y - 10 * pen.u, x + 14 * pen.u, y + 8 * pen.u, PAPER, lw=0.6)
    for side in (-12, 2):
        _scribbles(pen, x + side * pen.u, y - 7 * pen.u, 10, 6)


def loose_notes(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    for _ in range(7):
        x, y, a = cx + rng.uniform(-14, 14) * pen.u, pen.y(rng.uniform(0.2, 0.6)), rng.uniform(-0.6, 0.6)
        corners = [(-4, -5), (4, -5), (4, 5), (-4, 5)]
        pts = [
            (dx * math.cos(a) - dy * math.sin(a), dx * math.sin(a) + dy * math.cos(a)) for dx, dy in corners
        ]
        pen.poly(x, y, pts, PAPER, lw=0.4)


def corkboard(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    left, top, right, bottom = cx - 20 * pen.u, pen.y(0.12), cx + 20 * pen.u, pen.y(0.62)
    pen.box(left, top, right, bottom, (196, 150, 100), lw=0.8)
    pins = [
        (left + (right - left) * rng.uniform(0.15, 0.85), top + (bottom - top) * rng.uniform(0.2, 0.8))
        for _ in range(5)
    ]
    if "thread" in text or "web" in text:
        for i, a in enumerate(pins):
            for b in pins[i + 1 : i + 3]:
                pen.draw.line([a, b], fill=RED, width=pen.s(0.5))
    for x, y in pins:
        pen.box(x - 3 * pen.u, y - 2 * pen.u, x + 3 * pen.u, y + 3 * pen.u, PAPER, lw=0.4)
        pen.oval(x, y - 2 * pen.u, 0.9, 0.9, RED, lw=0)


def heart_monitor(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    x0, y0, x1, y1 = cx - 14 * pen.u, pen.y(0.22), cx + 14 * pen.u, pen.y(0.5)
    pen.box(x0, y0, x1, y1, (40, 50, 60), lw=0.8)
    jagged = "jagged" in text or "alarm" in text
    pts = []
    for k in range(25):
        fx = x0 + (x1 - x0) * (0.05 + 0.9 * k / 24)
        beat = (k % 6 == 3) * (-7 if k % 12 == 3 else 5) * (1.8 if jagged else 1.0)
        pts.append((fx, (y0 + y1) / 2 + (beat + (rng.uniform(-2, 2) if jagged else 0)) * pen.u))
    pen.draw.line(pts, fill=(255, 90, 90) if jagged else (90, 230, 130), width=pen.s(0.6))
    pen.box(cx - 1.5 * pen.u, y1, cx + 1.5 * pen.u, pen.y(0.85), (150, 155, 165), lw=0.4)


def hourglass(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    top, bottom, w = pen.y(0.3), pen.y(0.86), 11
    mid = (top + bottom) / 2
    pen.box(cx - (w + 2) * pen.u, top - 2 * pen.u, cx + (w + 2) * pen.u, top, WOOD, lw=0.5)
    pen.box(cx - (w + 2) * pen.u, bottom, cx + (w + 2) * pen.u, bottom + 2 * pen.u, WOOD, lw=0.5)
    glass = [
        (-w, 0),
        (w, 0),
        (1, (mid - top) / pen.u),
        (w, (bottom - top) / pen.u),
        (-w, (bottom - top) / pen.u),
        (-1, (mid - top) / pen.u),
    ]
    pen.poly(cx, top, glass, (225, 240, 250), lw=0.6)
    low = "running out" in text
    sand_top = [
        (-w * 0.4 if low else -w * 0.8, (mid - top) / pen.u * (0.75 if low else 0.3)),
        (w * (0.4 if low else 0.8), (mid - top) / pen.u * (0.75 if low else 0.3)),
        (0.8, (mid - top) / pen.u),
    ]
    pen.poly(cx, top, sand_top, GOLD, lw=0)
    heap = 0.75 if low else 0.3
    pen.poly(cx, bottom, [(-w * 0.9, 0), (w * 0.9, 0), (0, -(bottom - mid) / pen.u * heap)], GOLD, lw=0)


def cliffs(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    ground = pen.y(0.8)
    pen.box(-pen.s(2), ground, pen.x(0.42), pen.h + 2, (150, 120, 90), lw=0.6)
    pen.box(pen.x(0.72), ground, pen.w + 2, pen.h + 2, (150, 120, 90), lw=0.6)
    if "bridge" in text:
        pen.box(pen.x(0.4), ground - pen.s(2), pen.x(0.74), ground, WOOD, lw=0.5)
        for k in range(9):
            x = pen.x(0.42) + (pen.x(0.72) - pen.x(0.42)) * k / 8
            pen.draw.line([(x, ground - pen.s(2)), (x, ground - pen.s(7))], fill=INK, width=pen.s(0.4))
        pen.draw.line(
            [(pen.x(0.4), ground - pen.s(7)), (pen.x(0.74), ground - pen.s(7))], fill=INK, width=pen.s(0.5)
        )


def camera(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    x, y = cx, pen.y(0.5)
    for dx in (-5, 0, 5):
        pen.draw.line([(x, y + 5 * pen.u), (x + dx * pen.u, pen.y(0.9))], fill=INK, width=pen.s(0.8))
    pen.box(x - 8 * pen.u, y - 5 * pen.u, x + 8 * pen.u, y + 5 * pen.u, (70, 75, 85), lw=0.6)
    pen.oval(x, y, 4, 4, (120, 170, 230), lw=0.8)


def easel_photo(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    left, top, right, bottom = cx - 13 * pen.u, pen.y(0.2), cx + 13 * pen.u, pen.y(0.55)
    for lx in (left + 4 * pen.u, right - 4 * pen.u):
        pen.draw.line([(lx, bottom), (lx, pen.y(0.9))], fill=WOOD, width=pen.s(1.2))
    pen.box(left, top, right, bottom, PAPER, lw=0.8)
    blur = "blurry" in text
    pen.poly(
        cx,
        bottom - 1 * pen.u,
        [(-11, 0), (-4, -12), (2, -4), (6, -9), (11, 0)],
        (120, 190, 120) if not blur else (180, 200, 180),
        lw=0 if blur else 0.4,
    )
    pen.oval(
        cx + 6 * pen.u,
        top + 5 * pen.u,
        2.5,
        2.5,
        GOLD if not blur else (240, 225, 170),
        lw=0 if blur else 0.4,
    )


def toolbox(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    if "heap" in text or "messy" in text:
        for _ in range(8):
            x, y = cx + rng.uniform(-14, 14) * pen.u, pen.y(rng.uniform(0.78, 0.9))
            a = rng.uniform(0, math.pi)
            pen.draw.line(
                [(x, y), (x + 7 * pen.u * math.cos(a), y - 7 * pen.u * math.sin(a))],
                fill=(120, 125, 135),
                width=pen.s(1.2),
            )
        return
    x, y = cx, pen.y(0.78)
    pen.box(x - 14 * pen.u, y - 6 * pen.u, x + 14 * pen.u, y + 8 * pen.u, RED, lw=0.7)
    for k in range(5):  # tools standing in their slots
        tx = x - 10 * pen.u + k * 5 * pen.u
        pen.box(tx - 0.8 * pen.u, y - 13 * pen.u, tx + 0.8 * pen.u, y - 6 * pen.u, (150, 155, 165), lw=0.3)


def paper_stacks(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    if "avalanche" in text:
        loose_notes(pen, cx, rng, text)
        for _ in range(10):
            x, y = cx + rng.uniform(-18, 18) * pen.u, pen.y(rng.uniform(0.7, 0.92))
            pen.box(x - 4 * pen.u, y - 1 * pen.u, x + 4 * pen.u, y + 1 * pen.u, PAPER, lw=0.3)
        return
    if "machine" in text:
        pen.box(cx - 9 * pen.u, pen.y(0.45), cx + 9 * pen.u, pen.y(0.9), (120, 150, 190), lw=0.7)
        pen.oval(cx, pen.y(0.55), 2, 2, GOLD, lw=0.4)
    for k, dx in enumerate((-14, 14)):
        height = 6 + 3 * k
        for j in range(height):
            sheet_y = pen.y(0.9) - j * 1.2 * pen.u
            pen.box(
                cx + (dx - 4) * pen.u, sheet_y - 1.2 * pen.u, cx + (dx + 4) * pen.u, sheet_y, PAPER, lw=0.25
            )


def toy_robot(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    if "path" in text:
        pts = [(pen.x(0.05 + 0.9 * k / 6), pen.y(0.86 - 0.08 * math.sin(k))) for k in range(7)]
        pen.draw.line(pts, fill=(220, 200, 150), width=pen.s(3))
        for px, py in pts[1::2]:
            _star(pen, px, py - 8 * pen.u, 2.5)
    if "flag" in text:
        fx = pen.x(0.9)
        pen.draw.line([(fx, pen.y(0.86)), (fx, pen.y(0.55))], fill=INK, width=pen.s(0.6))
        pen.poly(fx, pen.y(0.55), [(0, 0), (8, 3), (0, 6)], RED, lw=0.4)
    if "wall" in text:
        pen.box(pen.x(0.88), pen.y(0.45), pen.w + 2, pen.y(0.9), (170, 110, 90), lw=0.6)
    x, y = cx, float(pen.y(0.84))
    pen.box(x - 4 * pen.u, y - 8 * pen.u, x + 4 * pen.u, y, (150, 160, 175), lw=0.5)
    pen.box(x - 3 * pen.u, y - 13 * pen.u, x + 3 * pen.u, y - 8 * pen.u, (150, 160, 175), lw=0.5)
    pen.oval(x - 1.3 * pen.u, y - 10.5 * pen.u, 0.8, 0.8, INK, lw=0)
    pen.oval(x + 1.3 * pen.u, y - 10.5 * pen.u, 0.8, 0.8, INK, lw=0)


def _star(pen: Pen, x: float, y: float, r: float) -> None:
    pts = [
        ((r if k % 2 == 0 else r * 0.45) * math.cos(math.pi * k / 5 - math.pi / 2),
         (r if k % 2 == 0 else r * 0.45) * math.sin(math.pi * k / 5 - math.pi / 2))
        for k in range(10)
    ]  # fmt: skip
    pen.poly(x, y, pts, GOLD, lw=0.3)


def sieve(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    x, y = cx, pen.y(0.55)
    pen.draw.chord(
        pen.pts(x, y, [(-13, -6), (13, 10)]), 0, 180, fill=(200, 205, 215), outline=INK, width=pen.s(0.6)
    )
    for k in range(-10, 11, 3):
        pen.draw.line(pen.pts(x, y, [(k, 2), (k * 0.7, 9)]), fill=(150, 155, 165), width=pen.s(0.3))
    for _ in range(6):  # the shiny pebbles kept
        pen.oval(x + rng.uniform(-8, 8) * pen.u, y + rng.uniform(0, 3) * pen.u, 1.6, 1.2, GOLD, lw=0.3)
    for _ in range(8):  # the sand falling through
        pen.oval(
            x + rng.uniform(-8, 8) * pen.u, y + rng.uniform(12, 30) * pen.u, 0.5, 0.5, (190, 170, 130), lw=0
        )


def puzzle(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    done = "finished" in text or "last" in text
    for i in range(4):
        row, col = divmod(i, 2)
        gap = 0.0 if done else rng.uniform(2, 5)
        x = cx + (col * 9 - 4.5) * pen.u + (gap if col else -gap) * pen.u
        y = pen.y(0.6) + (row * 9 - 4.5) * pen.u + (gap if row else -gap) * pen.u
        pen.box(x - 4.5 * pen.u, y - 4.5 * pen.u, x + 4.5 * pen.u, y + 4.5 * pen.u, COLOURS[i], lw=0.6)
        pen.oval(x + (4.5 if col == 0 else -4.5) * pen.u, y, 1.6, 1.6, COLOURS[i], lw=0.4)


def abacus(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    left, top, right, bottom = cx - 13 * pen.u, pen.y(0.35), cx + 13 * pen.u, pen.y(0.8)
    pen.box(left, top, right, bottom, (250, 240, 220), lw=1.0)
    tidy = "neat" in text or "tidy" in text
    for r in range(4):
        y = top + (bottom - top) * (r + 1) / 5
        pen.draw.line([(left, y), (right, y)], fill=WOOD, width=pen.s(0.5))
        for b in range(5):
            x = left + (2 + b * 2.6 if tidy else rng.uniform(2, 24)) * pen.u
            pen.oval(x, y, 1.2, 1.2, COLOURS[r], lw=0.3)


def spotlight(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    if "flashlight" in text:
        for _ in range(4):
            a = rng.uniform(-math.pi, 0)
            x, y = pen.x(0.5), pen.y(0.5)
            pen.draw.polygon(
                pen.pts(
                    x,
                    y,
                    [
                        (0, 0),
                        (40 * math.cos(a - 0.12), 40 * math.sin(a - 0.12)),
                        (40 * math.cos(a + 0.12), 40 * math.sin(a + 0.12)),
                    ],
                ),
                fill=(255, 244, 180),
            )
        return
    pen.draw.polygon(
        [
            (cx - 3 * pen.u, 0),
            (cx + 3 * pen.u, 0),
            (cx + 14 * pen.u, pen.y(0.9)),
            (cx - 14 * pen.u, pen.y(0.9)),
        ],
        fill=(255, 240, 170),
    )
    _star(pen, cx, pen.y(0.7), 6)


def rocket(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    if "cart" in text:
        x, y = cx, pen.y(0.8)
        pen.box(x - 9 * pen.u, y - 8 * pen.u, x + 9 * pen.u, y, WOOD, lw=0.6)
        for wx in (-6, 6):
            pen.oval(x + wx * pen.u, y + 1 * pen.u, 2.4, 2.4, (90, 90, 100), lw=0.5)
        return
    x, y = cx, pen.y(0.35)
    pen.poly(x, y, [(-4, 8), (-4, -6), (0, -13), (4, -6), (4, 8)], (235, 235, 245), lw=0.6)
    pen.poly(x, y, [(-4, 4), (-8, 10), (-4, 8)], RED, lw=0.4)
    pen.poly(x, y, [(4, 4), (8, 10), (4, 8)], RED, lw=0.4)
    pen.oval(x, y - 4 * pen.u, 1.8, 1.8, (120, 170, 230), lw=0.4)
    pen.poly(x, y, [(-3, 8), (3, 8), (0, 16)], (255, 170, 60), lw=0)


def big_book(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    x, y = cx, pen.y(0.62)
    for side in (-1, 1):
        pen.poly(x, y, [(0, -8), (side * 16, -10), (side * 16, 6), (0, 8)], PAPER, lw=0.6)
        _scribbles(pen, x + (3 if side > 0 else -14) * pen.u, y - 6 * pen.u, 10, 5)
    if "ribbon" in text:
        for k, colour in enumerate(COLOURS[:4]):
            pts = [
                (x + (t * 3 - 6 + k * 4) * pen.u, y - 8 * pen.u - t * 6 * pen.u + math.sin(t + k) * 3 * pen.u)
                for t in range(6)
            ]
            pen.draw.line(pts, fill=colour, width=pen.s(0.9), joint="curve")


def medal(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    colour = (200, 205, 215) if "silver" in text else (110, 150, 230) if "ribbon" in text else GOLD
    x, y = cx, pen.y(0.6)
    pen.poly(x, y, [(-3, -10), (0, -2), (3, -10)], BLUE, lw=0.4)
    pen.oval(x, y, 4, 4, colour, lw=0.6)


def clock(pen: Pen, cx: float, rng: random.Random, text: str) -> None:
    x, y = cx, pen.y(0.4)
    pen.oval(x, y, 6, 6, (230, 200, 120), lw=0.7)
    pen.draw.line(pen.pts(x, y, [(0, 0), (0, -4)]), fill=INK, width=pen.s(0.6))
    pen.draw.line(pen.pts(x, y, [(0, 0), (3, 1)]), fill=INK, width=pen.s(0.6))


# Scene noun -> drawing; the first prop of a scene stands farthest from Pip.
MOTIF_PROPS: tuple[tuple[tuple[str, ...], Callable[[Pen, float, random.Random, str], None]], ...] = (
    (("blocks",), tower),
    (("one book glows",), glowing_book),
    (("notebook",), notebook),
    (("loose notes",), loose_notes),
    (("corkboard",), corkboard),
    (("heart monitor",), heart_monitor),
    (("hourglass",), hourglass),
    (("cliff",), cliffs),
    (("camera",), camera),
    (("photo on an easel", "crisp photo"), easel_photo),
    (("tools", "toolbox"), toolbox),
    (("paper sheets", "sheets of paper", "sorted paper"), paper_stacks),
    (("toy robot",), toy_robot),
    (("sieve",), sieve),
    (("puzzle",), puzzle),
    (("abacus",), abacus),
    (("spotlight", "flashlight"), spotlight),
    (("rocket", "cart"), rocket),
    (("dictionary", "open book"), big_book),
    (("medal", "rosette"), medal),
    (("clock",), clock),
)


def draw_motif_props(pen: Pen, scene: str, rng: random.Random, mirror: bool) -> None:
    """Draw the motif props named in the scene, on the side of the panel away from Pip."""
    text = scene.lower()
    found = [draw for words, draw in MOTIF_PROPS if any(w in text for w in words)]
    for k, draw in enumerate(found[:2]):
        fx = 0.75 if k == 0 else 0.55  # a second prop stands a little nearer
        draw(pen, pen.x(1 - fx if mirror else fx), rng, text)
