"""The sketch renderer's drawing context: shapes in units of one percent of a panel's short side."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import ImageDraw

Color = tuple[int, int, int]
INK = (34, 34, 40)


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
