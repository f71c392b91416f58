"""The reference list: lines -> entries (by hanging indent, labels or spacing), each with year and title."""

from __future__ import annotations

import re
from statistics import median

from tasks.models import Reference
from tasks.parse.layout import SOFT_HYPHEN, Line
from tasks.parse.text import Vocabulary, join_lines

# A year not part of a number, an arXiv id or a page range ("pages 1877–1901").
_YEAR_RE = re.compile(r"(?<![\d./\-–])(1[89]\d\d|20[0-4]\d)[a-z]?(?![\d/\-–])")
_ACL_TITLE_RE = re.compile(r"^.+?\.\s+(?:1[89]|20)\d\d[a-z]?\.\s+(?P<title>[^.?!]{8,}[.?!])")
_C1_RE = re.compile(r"[\x80-\x9f]")


def split_references(lines: list[Line], vocab: Vocabulary) -> list[Reference]:
    """Reference entries: by hanging indent, by [n]/n. labels, or by line spacing."""
    if not lines:
        return []
    groups: dict[tuple[int, int], list[Line]] = {}
    for line in lines:
        groups.setdefault((line.page, line.column), []).append(line)
    entries: list[list[Line]] = []
    for group in groups.values():
        left = min(line.x0 for line in group)
        size = median(line.size for line in group)
        indented = sum(1 for line in group if line.x0 - left > 0.8 * size)
        labelled = sum(1 for line in group if re.match(r"^\[\d+\]|^\d{1,3}\.\s", line.text))
        for i, line in enumerate(group):
            if labelled >= max(2, 0.2 * len(group)):
                starts = bool(re.match(r"^\[\d+\]|^\d{1,3}\.\s", line.text))
            elif indented >= 0.15 * len(group):
                starts = line.x0 - left <= 0.8 * size
            elif i == 0:
                # An entry cut by a column break continues at the top of the next column.
                starts = not entries or not _looks_continued(entries[-1][-1], line)
            else:
                prev = group[i - 1]
                starts = line.base - prev.base > 1.3 * size or prev.text.endswith(".")
            if starts or not entries:
                entries.append([line])
            else:
                entries[-1].append(line)
    refs: list[Reference] = []
    for entry in entries:
        raw = _C1_RE.sub("", join_lines([line.text for line in entry], vocab))
        if len(raw) < 15:
            continue
        title = _ACL_TITLE_RE.match(raw)
        refs.append(
            Reference(
                raw=raw,
                year=_year(raw),
                title=title.group("title").rstrip(".") if title else None,
            )
        )
    return refs


def _year(raw: str) -> int | None:
    """The publication year: "Name. 2019." or "(2019)" first, else the last year-like number."""
    matches = list(_YEAR_RE.finditer(raw))
    for m in matches:
        before, after = raw[max(0, m.start() - 2) : m.start()], raw[m.end() : m.end() + 1]
        if before in (". ", "(", " (", ", ") and after in (".", ")", ",", ":"):
            return int(m.group(1))
    return int(matches[-1].group(1)) if matches else None


def _looks_continued(prev: Line, line: Line) -> bool:
    """The first line of a column continues the last entry of the previous column."""
    end = prev.text.rstrip()
    return end.endswith((SOFT_HYPHEN, "-", ",", "and", "/")) or line.text[:1].islower()
