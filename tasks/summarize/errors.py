"""Errors of the summarize stage; each message names the paper concerned."""

from __future__ import annotations

from tasks.models import ParsedPaper


class SummarizeError(Exception):
    """A paper could not be summarized (empty parse, no usable sentence, unusable model output)."""

    def __init__(self, paper: str, reason: str) -> None:
        super().__init__(f"{paper}: {reason}")
        self.paper = paper
        self.reason = reason


def describe_paper(parsed: ParsedPaper) -> str:
    """Name a parsed paper for error messages: its title, else the PDF hash and parser."""
    title = " ".join(parsed.title.split())
    source = f"parser {parsed.parser} {parsed.parser_version}"
    if parsed.pdf_sha256:
        source = f"pdf sha256 {parsed.pdf_sha256[:12]}, {source}"
    return f"{title!r} ({source})" if title else f"untitled paper ({source})"
