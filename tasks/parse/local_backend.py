"""The local parser as a backend: pdfium reading order, front matter, sections, captions, references.

No server. It runs in a child process under the PDF's budget (tasks/parse/budget.py): a PDF that
needs more memory or time than it may fails alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tasks.backend_base import RunsOn
from tasks.models import ParsedPaper
from tasks.parse import local
from tasks.parse.base import ParsedOutcome
from tasks.parse.budget import PdfBudget, parse_bounded
from tasks.parse.visibility import VISIBILITY_VERSION

if TYPE_CHECKING:
    from config.settings import Settings


def _parse_locally(data: bytes, source: str, max_pages: int) -> ParsedPaper:
    """The local parser's work, as the bounded child runs it."""
    return local.parse_pdf_bytes(data, source, max_pages=max_pages)


@dataclass(frozen=True)
class LocalParser:
    """pypdfium2 reading order, front matter, sections, captions, references: no server.

    It runs in a child process under the PDF's budget (tasks/parse/budget.py): a PDF that needs more
    memory or time than it may fails alone. The budget is not part of the identity: it decides
    whether the parse finishes, never what it produces.
    """

    max_pages: int
    budget: PdfBudget = field(default_factory=PdfBudget)
    name: str = local.PARSER_NAME
    runs_on: RunsOn = "cpu"

    @property
    def identity(self) -> tuple[str, ...]:
        hidden = f"visibility={VISIBILITY_VERSION}"  # what counts as hidden text, and what is told
        return (local.PARSER_NAME, local.PARSER_VERSION, hidden, f"max_pages={self.max_pages}")

    def parse(self, data: bytes, source: str) -> ParsedOutcome:
        parsed = parse_bounded(self.budget, local.count_pages, _parse_locally, data, source, self.max_pages)
        return ParsedOutcome(parsed=parsed, tei=None, parser_used=self.name, identity=self.identity)


def build(settings: Settings) -> LocalParser:
    return LocalParser(settings.parse.max_pages, PdfBudget.of(settings.parse))
