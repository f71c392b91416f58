"""`paperpanels`: the command line, one module per command group.

Exit codes: 0 done (unavailable PDFs included: they are reported, not failures); 1 unexpected
error; 2 bad input (unknown conference, unreadable or invalid file, bad id, bad setting); 3 the
digest was published but at least one paper failed; 130 / 143 stopped by SIGINT / SIGTERM.
"""

from __future__ import annotations

import typer

from flows.cli import comic, digest, harvest, ops, papers, share, site, summarize
from flows.cli.console import EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK, EXIT_PAPERS_FAILED

__all__ = ["EXIT_BAD_INPUT", "EXIT_ERROR", "EXIT_OK", "EXIT_PAPERS_FAILED", "app", "main"]

app = typer.Typer(
    name="paperpanels",
    help="Reviews and one-image comics for every best-paper award of a conference.",
    no_args_is_help=True,
    add_completion=False,
)
for group in (digest, papers, summarize, comic, harvest, ops, share, site):
    group.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
