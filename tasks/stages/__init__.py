"""Prefect tasks: one thin, typed task per stage over the backends and plain functions of tasks/*.

Per paper: acquire-pdf -> parse-pdf -> {repro-card, summarize-paper -> draw-comic}; per conference:
themes-ahead once every summary has settled, conference-overview once every paper has, then
publish-digest (tasks/publish/task.py). Each task takes the paper's
PaperWork and the run's Backends (chosen once: tasks/backends.py) and returns a StageResult: what it
stored and the identity of what made it. Retries are declared on each decorator; caching is a
StoreCheckedCache keyed on the inputs' content, the identity of the backend the body uses and the
store's identity. So a re-run of a finished conference recomputes nothing, changing the comic
renderer recomputes only comics, and editing a manifest entry recomputes nothing but the overview
and the cheap per-paper rendering at publish time.
"""

from tasks.stages.acquire import UNAVAILABLE, acquire_pdf
from tasks.stages.comic import draw_comic
from tasks.stages.common import PaperWork
from tasks.stages.overview import conference_overview, forget_ahead, themes_ahead
from tasks.stages.parse import parse_paper
from tasks.stages.repro import card_paper
from tasks.stages.summarize import summarize_paper

__all__ = [
    "UNAVAILABLE",
    "PaperWork",
    "acquire_pdf",
    "card_paper",
    "conference_overview",
    "draw_comic",
    "forget_ahead",
    "parse_paper",
    "summarize_paper",
    "themes_ahead",
]
