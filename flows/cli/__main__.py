"""`python -m flows.cli`: the same as the `paperpanels` command."""

from flows.cli import main

main()
