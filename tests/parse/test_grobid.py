"""The GROBID path end to end: the real grobid_client talking to a local fake GROBID."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from config.settings import GrobidSettings
from tasks.parse.errors import (
    GrobidBusyError,
    GrobidTimeoutError,
    GrobidUnavailableError,
    ParseError,
)
from tasks.parse.grobid import grobid_alive, grobid_version, process_fulltext
from tests.parse.grobid_server import BAD_INPUT, GrobidServer, GrobidStub


def _settings(stub: GrobidStub, **kw: object) -> GrobidSettings:
    return GrobidSettings(url=stub.url, busy_sleep_s=0.001, **kw)


def _free_url() -> str:
    with GrobidServer() as server:
        url = server.url
    return url  # closed: nothing listens there now


def test_alive_and_version(grobid: GrobidStub) -> None:
    assert grobid_alive(grobid.url)
    assert grobid_version(grobid.url) == "0.6.1"
    assert not grobid_alive(_free_url(), timeout=1)


def test_fulltext_and_the_params_sent(grobid: GrobidStub, fixture_pdfs: dict[str, Path]) -> None:
    pdf = fixture_pdfs["specter"].read_bytes()
    result = process_fulltext(pdf, "specter.pdf", _settings(grobid, consolidate_header=1))
    assert result.status == 200 and result.tei and "SPECTER" in result.tei and result.attempts == 1
    (call,) = grobid.calls
    assert call["filename"] == "specter.pdf"
    params = call["params"]
    assert params["consolidateCitations"] == ["0"]
    assert params["consolidateHeader"] == ["1"]
    assert params["includeRawCitations"] == ["1"]
    assert params["segmentSentences"] == ["0"]
    assert params["teiCoordinates"] == ["figure", "head", "p"]


def test_busy_twice_then_success(grobid: GrobidStub, fixture_pdfs: dict[str, Path]) -> None:
    grobid.busy = 2
    result = process_fulltext(fixture_pdfs["specter"].read_bytes(), "specter.pdf", _settings(grobid))
    assert result.status == 200 and result.attempts == 3
    assert len(grobid.calls) == 3


def test_busy_forever_stops_at_the_bound(grobid: GrobidStub, fixture_pdfs: dict[str, Path]) -> None:
    grobid.busy = -1
    start = time.monotonic()
    with pytest.raises(GrobidBusyError) as info:
        process_fulltext(b"%PDF-1.4 x", "busy.pdf", _settings(grobid, busy_retries=3))
    assert time.monotonic() - start < 5
    assert len(grobid.calls) == 4  # the first try and 3 retries
    assert "busy.pdf" in str(info.value) and "503" in str(info.value)


def test_no_content_is_a_marker_not_an_error(grobid: GrobidStub) -> None:
    grobid.unknown = (204, "")
    result = process_fulltext(b"%PDF-1.4 x", "blank.pdf", _settings(grobid))
    assert result.status == 204 and result.tei is None


def test_server_error_is_a_parse_error_without_retry(grobid: GrobidStub) -> None:
    grobid.unknown = (500, BAD_INPUT)
    with pytest.raises(ParseError) as info:
        process_fulltext(b"%PDF-1.4 x", "bad.pdf", _settings(grobid))
    assert str(info.value).startswith("bad.pdf: GROBID could not process the PDF (HTTP 500)")
    assert "BAD_INPUT_DATA" in str(info.value)
    assert len(grobid.calls) == 1


def test_server_down_is_unavailable() -> None:
    url = _free_url()
    with pytest.raises(GrobidUnavailableError) as info:
        process_fulltext(b"%PDF-1.4 x", "down.pdf", GrobidSettings(url=url))
    assert url in str(info.value) and "not reachable" in str(info.value)


def test_slow_server_times_out_clearly(grobid: GrobidStub) -> None:
    grobid.delay_s = 2.0
    start = time.monotonic()
    with pytest.raises(GrobidTimeoutError) as info:
        process_fulltext(b"%PDF-1.4 x", "slow.pdf", _settings(grobid, timeout_s=0.3))
    assert time.monotonic() - start < 1.5
    assert "slow.pdf" in str(info.value) and "0.3 s" in str(info.value)


@pytest.mark.parametrize("cap", [2, 8])
def test_concurrency_cap(grobid: GrobidStub, cap: int) -> None:
    grobid.delay_s = 0.15
    grobid.unknown = (204, "")
    settings = _settings(grobid, concurrency=cap)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: process_fulltext(b"%%PDF-1.4 %d" % i, f"{i}.pdf", settings), range(8)))
    assert len(grobid.calls) == 8
    # With cap 8 the server sees more than 2 at once: the cap-2 check can fail.
    assert grobid.max_in_flight == 2 if cap == 2 else grobid.max_in_flight > 2
