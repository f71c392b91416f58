"""The logger of the Prefect run a piece of work is in (the console and the UI), else a plain one."""

from __future__ import annotations

import logging

from prefect import get_run_logger
from prefect.exceptions import MissingContextError

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]


def run_logger(fallback: str = "paperpanels") -> Logger:
    """The task or flow run's logger; `fallback`'s plain logger outside a run (.fn, benches, tests)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(fallback)
