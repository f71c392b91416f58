"""Console output of the CLI: data printed as text, never as Rich markup, and the exit codes.

A paper title like "Attention [/] is all" or "[bold red]" would be parsed as markup if it were
interpolated into a Rich string: it crashed the CLI after publishing. Everything that comes from
data goes through Text (or `escape`), only our own fixed labels carry styles, and through
`mask_secrets`: a password inside a URL or a configured key is never printed.
"""

from __future__ import annotations

from collections.abc import Iterable

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from config.redact import mask_secrets

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_PAPERS_FAILED = 0, 1, 2, 3
EXIT_SIGINT, EXIT_SIGTERM = 130, 143

out = Console()
err = Console(stderr=True)


def labelled(label: str, text: object, style: str = "bold yellow") -> Text:
    """`label text` with the label styled and the text literal."""
    return Text.assemble((label, style), " ", mask_secrets(str(text)))


def say(text: object, *, to_err: bool = False) -> None:
    """Print data literally (soft-wrapped, no highlighting)."""
    (err if to_err else out).print(Text(mask_secrets(str(text))), highlight=False, soft_wrap=True)


def warn(label: str, text: object) -> None:
    err.print(labelled(label, text), highlight=False, soft_wrap=True)


def fail(message: object, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print `error: message` on stderr; the caller raises the returned Exit."""
    err.print(labelled("error:", message, "bold red"), highlight=False, soft_wrap=True)
    return typer.Exit(code)


def table(title: str, columns: Iterable[str], rows: Iterable[Iterable[object]], **options: object) -> Table:
    """A Rich table whose cells are literal text."""
    result = Table(title=escape(title), **options)  # type: ignore[arg-type]
    for column in columns:
        result.add_column(column, overflow="fold")
    for row in rows:
        result.add_row(*(cell if isinstance(cell, Text) else Text(mask_secrets(str(cell))) for cell in row))
    return result
