"""Columns and reading order of a page's lines: one or two columns (halves or not), sidebars, margins."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter

from tasks.parse.layout import Line, Page


def _mode(values: list[float], step: float = 0.5) -> float:
    if not values:
        return 0.0
    return Counter(round(v / step) * step for v in values).most_common(1)[0][0]


def _rows(lines: list[Line]) -> list[Line]:
    """Lines top to bottom; lines sharing a baseline (a row of author names) left to right.

    Sorting on the top edge alone puts "Chiyuan Zhang*" after the two names to its right when its
    top is a tenth of a point lower than theirs.
    """
    out: list[Line] = []
    row: list[Line] = []
    for line in sorted(lines, key=lambda line: (line.top, line.x0)):
        if row and abs(line.base - row[0].base) > 0.25 * min(line.size, row[0].size):
            out += sorted(row, key=lambda line: line.x0)
            row = []
        row.append(line)
    return out + sorted(row, key=lambda line: line.x0)


def _drop_margin_lines(page: Page, body: list[Line], body_size: float) -> None:
    """Drop text wholly outside a one-column page's text block: sidebars, line numbers, marginal notes.

    JOSS drafts put a metadata sidebar (DOI, editor, licence) and line numbers left of the text;
    read in order they would cut every paragraph of page 1 in two.
    """
    # The text block is where the full lines of running text are; a page that is mostly a table has
    # too few of them to tell, and keeps everything.
    widest = max((line.x1 - line.x0 for line in body), default=0.0)
    full = [line for line in body if line.x1 - line.x0 >= 0.6 * widest]
    if len(full) < 5:
        return
    left = min(line.x0 for line in full)
    right = max(line.x1 for line in full)
    gap = 0.5 * body_size
    outside = [
        line
        for line in page.lines
        if line.size <= body_size + 0.5 and (line.x1 < left - gap or line.x0 > right + gap)
    ]
    if not outside:
        return
    # A hanging label ("[1]" before its reference) sits close to the block, on the baseline of a
    # line of the block; a sidebar lies farther out.
    inside = {round(line.base) for line in page.lines if line.x1 >= left - gap and line.x0 <= right + gap}
    for line in outside:
        near = left - 2.5 * body_size <= line.x1 and line.x0 <= right + 2.5 * body_size
        if not (near and {round(line.base) - 1, round(line.base), round(line.base) + 1} & inside):
            line.drop = True


def _gutter(body: list[Line]) -> float:
    """Where the page's two columns part: the x that the fewest body lines cross, in the middle 40 % of
    the text block, nearest its centre on a tie; the centre when nothing parts.

    Columns are not always halves: a magazine sets its abstract in a narrow left column beside the
    body's first column, a journal its dates in a sidebar.
    """
    left = min(line.x0 for line in body)
    right = max(line.x1 for line in body)
    mid = (left + right) / 2
    lo, hi = left + 0.3 * (right - left), left + 0.7 * (right - left)
    ends = sorted(line.x1 for line in body)
    starts = sorted(line.x0 for line in body)
    best, best_key = mid, (len(body) + 1, 0.0)
    for x in {round(line.x1, 1) + 0.5 for line in body if lo <= line.x1 <= hi} | {mid}:
        # Lines wholly left of x, wholly right of it; the rest cross it.
        crossing = len(body) - bisect_right(ends, x) - (len(starts) - bisect_left(starts, x))
        key = (crossing, abs(x - mid))
        if key < best_key:
            best, best_key = x, key
    return best


def order_page(page: Page, body_size: float) -> None:
    """Detect one or two columns and sort the page's lines into reading order."""
    lines = [line for line in page.lines if not line.drop]
    body = [line for line in lines if abs(line.size - body_size) <= 1.5]
    if not body:
        page.lines.sort(key=lambda line: (round(line.top), line.x0))
        return
    mid = _gutter(body)
    slack = 0.015 * page.width
    n_left = n_right = 0
    for line in body:
        if line.x1 <= mid + slack:
            n_left += 1
        elif line.x0 >= mid - slack:
            n_right += 1
    page.two_column = n_left >= 4 and n_right >= 4 and n_left + n_right >= 0.5 * len(body)
    for line in page.lines:
        if not page.two_column:
            line.column = 0
        elif line.x1 <= mid + slack:
            line.column = 1
        elif line.x0 >= mid - slack:
            line.column = 2
        else:
            line.column = 0
    if page.two_column and page.number == 1:
        # Title and byline sit above the columns, whatever their width: a short centred line of names
        # that falls on one side of the gutter is still read before the columns start.
        top = min(line.top for line in body if line.column)
        for line in page.lines:
            if line.bottom <= top:
                line.column = 0
    if not page.two_column:
        _drop_margin_lines(page, body, body_size)
    by_top = _rows(page.lines)
    if not page.two_column:
        page.lines = by_top
    else:
        # Full-width lines (title block, wide floats) cut the page into bands; each band is read
        # left column first, then right column.
        ordered: list[Line] = []
        cols: dict[int, list[Line]] = {1: [], 2: []}
        for line in by_top:
            if line.column == 0:
                ordered += cols[1] + cols[2]
                cols = {1: [], 2: []}
                ordered.append(line)
            else:
                cols[line.column].append(line)
        page.lines = ordered + cols[1] + cols[2]
    for col in (0, 1, 2):
        col_body = [line for line in body if line.column == col]
        if col_body:
            page.col_left[col] = _mode([line.x0 for line in col_body], 1.0)
            page.col_right[col] = max(line.x1 for line in col_body)
