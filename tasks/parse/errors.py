"""Errors of the parse stage; each message names the PDF (file name or URL) concerned."""

from __future__ import annotations

from typing import Any

from config.redact import mask_credentials


def _restore(cls: type[ParseError], args: tuple[Any, ...], state: dict[str, Any]) -> ParseError:
    exc = cls.__new__(cls)
    Exception.__init__(exc, *args)
    exc.__dict__.update(state)
    return exc


class ParseError(Exception):
    """A PDF could not be parsed into a ParsedPaper."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Parsing runs in a worker process: the error crosses back pickled, whatever its __init__.
        return (_restore, (type(self), self.args, self.__dict__))


class EmptyPdfError(ParseError):
    """The file has no bytes at all."""

    def __init__(self, source: str) -> None:
        super().__init__(source, "the file is empty (0 bytes), not a PDF")


class NotAPdfError(ParseError):
    """The bytes are something else: an HTML page, JSON, an image, ..."""


class TruncatedPdfError(ParseError):
    """The PDF ends early (an interrupted download, a cut-off copy)."""


class EncryptedPdfError(ParseError):
    """The PDF needs a password to open."""


class TooLargePdfError(ParseError):
    """The file is bigger than the configured byte cap."""


class TooManyPagesError(ParseError):
    """The document has more pages than the configured page cap."""


class NoTextLayerError(ParseError):
    """The pages are images without a text layer (a scan)."""


class OverBudgetPdfError(ParseError):
    """The PDF needs more than its budget: decoded streams, memory or CPU time (a resource bomb?)."""


class GrobidError(ParseError):
    """GROBID could not turn the PDF into TEI (a service problem, not necessarily the PDF's)."""


class GrobidUnavailableError(GrobidError):
    """The GROBID server does not answer (down, wrong URL, refused connection)."""

    def __init__(self, url: str, source: str = "", detail: str = "") -> None:
        self.url = url = mask_credentials(url)
        reason = f"GROBID at {url} is not reachable" + (f" ({detail})" if detail else "")
        super().__init__(source or url, reason + "; start it or use the local parser (--parser local)")


class GrobidBusyError(GrobidError):
    """GROBID kept answering 503 (all its workers busy) past the retry bound."""


class GrobidTimeoutError(GrobidError):
    """GROBID did not answer within the configured timeout."""
