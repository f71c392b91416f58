"""The parser interface: PDF bytes in, a ParsedPaper out, and the identity of what made it.

The parsers: tasks/parse/local_backend.py (pdfium, no server) and tasks/parse/grobid_backend.py
(GROBID); which one runs is tasks/parse/choice.py's decision, by the registry of config/backends.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from tasks.backend_base import Backend
from tasks.models import ParsedPaper


@dataclass
class ParsedOutcome:
    """A parsed paper, the TEI it came from (GROBID only), which parser made it and its identity."""

    parsed: ParsedPaper
    tei: str | None
    parser_used: str
    identity: tuple[str, ...] = ()
    notices: list[str] = field(default_factory=list)


class Parser(Backend, Protocol):
    """Turns PDF bytes into a ParsedPaper; `identity` is everything that changes the result."""

    def parse(self, data: bytes, source: str) -> ParsedOutcome: ...
