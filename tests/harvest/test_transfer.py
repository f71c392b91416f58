"""Requests bounded as a whole: a server that drips, an endless or inflating body, through the real clients.

The servers are real sockets on 127.0.0.1 that misbehave on purpose: headers or body one byte at a
time (each read well within the per-read timeout), a body past the cap, a gzip body that inflates.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from config.settings import HarvestSettings
from tasks.harvest.errors import PdfUnavailable
from tasks.harvest.http import ServiceClient, ServiceError
from tasks.harvest.pdf import download_pdf
from tests.harvest.misbehaving import Misbehaving


@pytest.fixture
def client() -> Iterator[ServiceClient]:
    settings = HarvestSettings(timeout_s=1.0, max_page_mb=1.0)
    with ServiceClient("announcements", settings, retries=0) as c:
        yield c


@pytest.mark.parametrize("mode", ["drip-headers", "drip-body"])
def test_a_dripping_source_is_cut_at_the_request_deadline(client: ServiceClient, mode: str) -> None:
    with Misbehaving(mode) as server:
        started = time.monotonic()
        with pytest.raises(ServiceError) as info:
            client.get_conditional(server.url)
        took = time.monotonic() - started
    assert "no complete answer within 1 s" in str(info.value)
    assert "PAPERPANELS_HARVEST__TIMEOUT_S" in str(info.value)
    assert took < 10 * 1.0, (
        f"held for {took:.1f} s"
    )  # the deadline, not the drip, ends it (it drips for minutes)


def test_a_shorter_deadline_given_by_the_poll_wins(client: ServiceClient) -> None:
    with Misbehaving("drip-body") as server, pytest.raises(ServiceError, match="within 0.3 s"):
        client.get_conditional(server.url, deadline_s=0.3)


@pytest.mark.parametrize("mode", ["huge", "gzip"])
def test_a_page_past_the_byte_cap_is_not_read(client: ServiceClient, mode: str) -> None:
    with Misbehaving(mode) as server, pytest.raises(ServiceError) as info:
        client.get_conditional(server.url)
    assert "over the cap of 1,048,576 bytes" in str(info.value)
    assert "PAPERPANELS_HARVEST__MAX_PAGE_MB" in str(info.value)


def test_a_pdf_download_that_drips_is_cut_at_its_deadline() -> None:
    with (
        Misbehaving("drip-body") as server,
        pytest.raises(PdfUnavailable, match="no complete answer within 1 s"),
    ):
        download_pdf(
            server.url,
            timeout_s=1.0,  # each byte comes far sooner than this
            max_bytes=1 << 20,
            user_agent="t",
            allowed_hosts=("127.0.0.1",),
            deadline_s=1.0,
        )
