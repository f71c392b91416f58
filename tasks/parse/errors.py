"""Errors of the parse stage; each message names the PDF (file name or URL) concerned."""

from __future__ import annotations


class ParseError(Exception):
    """A PDF could not be parsed into a ParsedPaper."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


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
