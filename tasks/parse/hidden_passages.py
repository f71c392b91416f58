"""Hidden runs joined into passages, what each reads as, the parser's notice and the parse report.

A passage is the hidden runs of one page drawn one after another for the same reason, in or out
of a figure alike, that continue each other on a line or on the next line: a hidden sentence is one
passage, an axis's tick labels another. Each passage is classified (tasks/parse/hidden_language.py)
as language addressed to a reader or a model, or residue. Only language is announced as possible
prompt injection; every passage, with its words, goes to the parse report the operator reads
(papers/<id>/parse-report.json in the working area, never released).
"""

from __future__ import annotations

import json
from collections import Counter

from tasks.models import HiddenText, ParsedPaper
from tasks.parse.hidden_language import reads_as_language
from tasks.parse.visibility import SOFT_HYPHEN, HiddenRun

PARSE_REPORT = "parse-report.json"
_MAX_PIECES = 8  # an instruction cut into more pieces than this is still hidden, but not announced
_NEXT_LINE = 2.0  # a baseline this many font sizes below the previous one still continues it


def join_hidden(runs: list[HiddenRun]) -> list[HiddenText]:
    """The hidden runs as passages (see the module), each joined into readable text and classified."""
    out: list[HiddenText] = []
    group: list[HiddenRun] = []
    for run in runs:
        if group and not _same_passage(group[-1], run):
            out += _passage(group)
            group = []
        group.append(run)
    if group:
        out += _passage(group)
    return _scattered_language(out)


def _scattered_language(passages: list[HiddenText]) -> list[HiddenText]:
    """Passages that read as language only together: an instruction cut into pieces (lines drawn
    bottom to top, or far apart) hides the same way on one page; it is language all the same."""
    groups: dict[tuple[int, str, bool], list[HiddenText]] = {}
    for passage in passages:
        groups.setdefault((passage.page, passage.reason, passage.in_figure), []).append(passage)
    for (_, _, in_figure), group in groups.items():
        # A few pieces only: a figure's hundred labels read together gather stray clause words.
        if not 2 <= len(group) <= _MAX_PIECES or all(p.kind == "language" for p in group):
            continue
        if reads_as_language(" ".join(p.text for p in group), in_figure=in_figure):
            for passage in group:
                passage.kind = "language"
    return passages


def _same_passage(prev: HiddenRun, run: HiddenRun) -> bool:
    if (prev.page, prev.reason, prev.in_figure) != (run.page, run.reason, run.in_figure):
        return False
    size = max(run.size, prev.size, 0.1)
    drop = prev.base - run.base
    return -0.3 * size <= drop <= _NEXT_LINE * size


def _passage(group: list[HiddenRun]) -> list[HiddenText]:
    parts: list[str] = []
    prev: HiddenRun | None = None
    for run in group:
        if prev is not None:
            if parts and parts[-1].endswith(SOFT_HYPHEN):
                parts[-1] = parts[-1][:-1]  # a word broken at the line end joins up again
            elif not _continues(prev, run):
                parts.append(" ")
        parts.append(run.text)
        prev = run
    text = " ".join("".join(parts).replace(SOFT_HYPHEN, "-").split())
    if not text:
        return []
    first = group[0]
    kind = "language" if reads_as_language(text, in_figure=first.in_figure) else "residue"
    return [
        HiddenText(
            page=first.page,
            reason=first.reason,
            text=text,
            kind=kind,
            chars=len(text),
            in_figure=first.in_figure,
        )
    ]


def _continues(prev: HiddenRun, run: HiddenRun) -> bool:
    """Whether run carries on prev on the same baseline with no word gap (a word split over two runs)."""
    same_line = abs(run.base - prev.base) <= 0.3 * max(run.size, prev.size, 0.1)
    touching = -0.3 * run.size <= run.x0 - prev.x1 <= 0.2 * min(run.size, prev.size)
    return same_line and touching and not prev.text.endswith(" ") and not run.text.startswith(" ")


def hidden_notices(runs: list[HiddenRun]) -> list[str]:
    """The ParsedPaper notice for hidden runs, only when one of their passages reads as language.

    Residue (labels, numbers, glyphs) is counted in the parse report and the parse log, never
    announced to readers as prompt injection.
    """
    passages = join_hidden(runs)
    if not any(p.kind == "language" for p in passages):
        return []
    counts = Counter(run.reason for run in runs)
    reasons = ", ".join(f"{reason}: {n}" for reason, n in counts.most_common())
    return [f"{len(runs)} hidden text run(s) excluded ({reasons}) - possible prompt injection"]


def residue_summary(hidden: list[HiddenText]) -> str | None:
    """One line for the operator's log on hidden passages that are not language; None if none."""
    residue = [h for h in hidden if h.kind == "residue"]
    if not residue:
        return None
    reasons = Counter(h.reason for h in residue)
    listed = ", ".join(f"{reason}: {n}" for reason, n in reasons.most_common())
    return (
        f"{len(residue)} hidden passage(s) of figure residue, numbers or glyphs excluded ({listed}); "
        f"not prompt injection; see {PARSE_REPORT}"
    )


def parse_report(parsed: ParsedPaper) -> bytes:
    """The operator's record of one parse: every hidden passage with its words, and the notices.

    Written to the working area beside parsed.json and never released: the words of hidden text
    appear in no published file.
    """
    hidden = [
        {
            "page": h.page,
            "reason": h.reason,
            "kind": h.kind,
            "in_figure": h.in_figure,
            "chars": h.chars,
            "text": h.text,
        }
        for h in parsed.hidden_text
    ]
    report = {
        "parser": parsed.parser,
        "parser_version": parsed.parser_version,
        "pdf_sha256": parsed.pdf_sha256,
        "hidden_passages": {
            "language": sum(1 for h in parsed.hidden_text if h.kind == "language"),
            "residue": sum(1 for h in parsed.hidden_text if h.kind == "residue"),
            "by_reason": dict(Counter(h.reason for h in parsed.hidden_text)),
        },
        "hidden": hidden,
        "notices": parsed.notices,
    }
    return json.dumps(report, indent=2, ensure_ascii=False).encode()
