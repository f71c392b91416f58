"""Telling people: a digest was published, an award list waits for review.

Through a Prefect notification block named in settings (`ops.notify_block`, e.g.
`slack-webhook/paperpanels`, `ms-teams-webhook/...`, `custom-webhook/...`): its URL and secrets
live in Prefect, not here. A notification that fails is logged, never fails the run.
"""

from __future__ import annotations

import logging
from typing import Any

from config.settings import Settings

log = logging.getLogger("paperpanels.notify")


def notify(settings: Settings, subject: str, body: str) -> bool:
    """Send subject + body through the configured block; False when none is set or sending failed."""
    name = settings.ops.notify_block
    if not name:
        return False
    from prefect.blocks.core import Block

    try:
        block: Any = Block.load(name)
        block.notify(body=body, subject=subject)
    except Exception as exc:  # a webhook down or a block missing must not fail a published digest
        log.warning("notification through %s failed (%s: %s): %s", name, type(exc).__name__, exc, subject)
        return False
    log.info("notified through %s: %s", name, subject)
    return True
