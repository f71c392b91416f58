"""A real paper's comic, made the way the comic stage makes it: parsed, summarized, its figures cut,
its script written by the story writer, drawn by the sketch renderer (shared by comic and publish tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tasks.comic.draw import ComicOutput, ComicPaper, PageOptions, draw
from tasks.comic.panels.sketch import SketchRenderer
from tasks.comic.script.writers import StoryWriter
from tasks.models import PaperSummary, ParsedPaper
from tasks.parse.local import parse_pdf_bytes
from tasks.summarize.extractive import summarize_extractive


@dataclass(frozen=True)
class RealComic:
    paper_id: str
    pdf: bytes
    parsed: ParsedPaper
    summary: PaperSummary
    comic: ComicOutput


def real_comic(pdf_path: Path, paper_id: str) -> RealComic:
    """The comic of the paper at `pdf_path`, 1024 px wide (a sketch: no GPU, no model)."""
    pdf = pdf_path.read_bytes()
    parsed = parse_pdf_bytes(pdf, pdf_path.name)
    summary = summarize_extractive(parsed)
    paper = ComicPaper(summary=summary, title=parsed.title, paper_id=paper_id, parsed=parsed, pdf=pdf)
    comic = draw(paper, writer=StoryWriter(), renderer=SketchRenderer(), page=PageOptions(width=1024))
    return RealComic(paper_id, pdf, parsed, summary, comic)
