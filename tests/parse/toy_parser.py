"""A toy parser backend: all it takes to add one is a module like this and one registry line.

It reads each page's text with pdfium and calls the first line the title and each page one
paragraph. tests/parse/test_toy_backend.py registers it and runs the real stages with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pypdfium2

from tasks.backend_base import RunsOn
from tasks.models import ParsedPaper, Section
from tasks.parse.base import ParsedOutcome

if TYPE_CHECKING:
    from config.settings import Settings


@dataclass(frozen=True)
class PageTextParser:
    name: str = "toy"
    runs_on: RunsOn = "cpu"

    @property
    def identity(self) -> tuple[str, ...]:
        return ("toy", "1")

    def parse(self, data: bytes, source: str) -> ParsedOutcome:
        pdf = pypdfium2.PdfDocument(data)
        try:
            pages = [" ".join(page.get_textpage().get_text_range().split()) for page in pdf]
        finally:
            pdf.close()
        lines = [line.strip() for page in pages for line in page.split(". ") if line.strip()]
        parsed = ParsedPaper(
            title=lines[0][:200] if lines else source,
            sections=[Section(heading="Text", paragraphs=[p for p in pages if p])],
            page_count=len(pages),
            parser=self.name,
            parser_version="1",
        )
        return ParsedOutcome(parsed=parsed, tei=None, parser_used=self.name, identity=self.identity)


def build(settings: Settings) -> PageTextParser:
    return PageTextParser()
