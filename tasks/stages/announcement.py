"""harvest-announcement: one edition of the watch polled and read, as a task of its own.

The work is tasks/harvest/announce.py's; this is its task: retried once, and stopped a little past
the poll's own deadline (`harvest.poll_deadline_s`) by the task's timeout, for what no check reached.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import task

from config.settings import Settings
from tasks.harvest.announce import HarvestOutcome, harvest
from tasks.harvest.calendar import Edition

# The task's own timeout: past the poll's deadline by this much (a check the work did not reach).
TASK_SLACK_S = 30.0


@task(name="harvest-announcement", task_run_name="harvest {edition.slug}", retries=1, retry_delay_seconds=30)
def harvest_announcement(edition: Edition, settings: Settings, now: datetime) -> HarvestOutcome:
    """Poll the edition's sources; a new award list becomes a harvested manifest in the store."""
    return harvest(edition, settings, now)


def with_deadline(settings: Settings) -> Any:
    """The task with its timeout: the poll's deadline plus TASK_SLACK_S."""
    return harvest_announcement.with_options(timeout_seconds=settings.harvest.poll_deadline_s + TASK_SLACK_S)
