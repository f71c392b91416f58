"""What a run shows while it works: Rich progress on a terminal, plain lines elsewhere (CI, pipes).

The flow reports progress as records of the `paperpanels.progress` logger (flows/paper.py: a
conference starts with N papers, a paper's stage starts, a paper is finished); RunDisplay draws them.
On an interactive terminal: one bar per conference (papers done / total, the stages running now),
and Prefect's console log cut to warnings and errors, printed above the bars. Elsewhere (CI=...,
a pipe, a file): one plain line per finished paper, and Prefect's log as configured.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from flows.cli.console import err

PROGRESS_LOGGER = "paperpanels.progress"


def interactive(console: Console) -> bool:
    """A person watching a terminal (not CI, not a pipe or a file)."""
    return console.is_terminal and not os.environ.get("CI")


def paper_outcome(states: list[str]) -> str:
    """One word for a finished paper from its stage states, as the digest will show it."""
    for word in ("unavailable", "failed"):
        if word in states:
            return word
    if "skipped" in states:
        return "failed"
    return "cached" if states and set(states) == {"cached"} else "done"


class RunDisplay(logging.Handler):
    """Draws the flow's progress records: a Rich Progress, or plain lines."""

    def __init__(self, console: Console, *, live: bool) -> None:
        super().__init__(logging.DEBUG)
        self.console = console
        self.totals: dict[str, int] = {}
        self.done: Counter[str] = Counter()
        self.running: dict[str, dict[str, str]] = {}  # conference -> paper -> stage running now
        self.bars: dict[str, TaskID] = {}
        self.progress: Progress | None = None
        if live:
            self.progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(bar_width=30),
                MofNCompleteColumn(),
                TextColumn("papers"),
                TimeElapsedColumn(),
                TextColumn("{task.fields[now]}"),
                console=console,
            )
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "progress", None)
        if event is None:
            return
        conference, kind, detail = event
        with self._lock:
            if kind == "start":
                self._start(conference, int(detail["total"]))
            elif kind == "stage":
                self.running.setdefault(conference, {})[detail["paper"]] = detail["stage"]
                self._update(conference)
            elif kind == "paper":
                self.running.get(conference, {}).pop(detail["paper"], None)
                self.done[conference] += 1
                self._update(conference, finished=(detail["paper"], paper_outcome(detail["states"])))

    def _start(self, conference: str, total: int) -> None:
        self.totals[conference] = total
        if self.progress is not None:
            self.bars[conference] = self.progress.add_task(conference, total=total, now="")
        else:
            self.console.print(Text(f"{conference}: {total} papers"), highlight=False)

    def _now(self, conference: str) -> str:
        stages = Counter(self.running.get(conference, {}).values())
        return " · ".join(f"{stage} {count}" for stage, count in sorted(stages.items()))

    def _update(self, conference: str, finished: tuple[str, str] | None = None) -> None:
        done, total = self.done[conference], self.totals.get(conference, 0)
        if self.progress is not None and conference in self.bars:
            now = self._now(conference)
            self.progress.update(self.bars[conference], completed=done, now=f"now: {now}" if now else "")
        elif finished is not None:
            paper, outcome = finished
            self.console.print(Text(f"[{done}/{total}] {conference} {paper}: {outcome}"), highlight=False)


def _prefect_console_handlers() -> list[Any]:
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger(), *(v for v in logging.root.manager.loggerDict.values())]
    found: list[Any] = []
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, PrefectConsoleHandler) and handler not in found:
                found.append(handler)
    return found


@contextlib.contextmanager
def run_display(console: Console = err) -> Iterator[RunDisplay]:
    """Show the progress of the flow runs inside the block (see the module's doc)."""
    display = RunDisplay(console, live=interactive(console))
    logger = logging.getLogger(PROGRESS_LOGGER)
    saved = (logger.level, logger.propagate)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # the records are for this display, not for any log
    logger.addHandler(display)
    swapped: list[tuple[Any, int, Any]] = []
    try:
        if display.progress is not None:
            display.progress.start()
            for handler in _prefect_console_handlers():
                # INFO lines would push the bars up every second; warnings print above them.
                swapped.append((handler, handler.level, handler.console))
                handler.setLevel(max(handler.level, logging.WARNING))
                handler.console = display.progress.console
        yield display
    finally:
        for handler, level, original in swapped:
            handler.setLevel(level)
            handler.console = original
        if display.progress is not None:
            display.progress.stop()
        logger.removeHandler(display)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
