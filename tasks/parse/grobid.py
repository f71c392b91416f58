"""GROBID processFulltextDocument through grobid-client-python, with bounded retries and a concurrency cap."""

from __future__ import annotations

import functools
import io
import threading
import time
from dataclasses import dataclass
from pathlib import PurePosixPath

import httpx
import requests
from grobid_client.grobid_client import GrobidClient

from config.redact import mask_credentials
from config.settings import GrobidSettings
from tasks.parse.errors import (
    GrobidBusyError,
    GrobidError,
    GrobidTimeoutError,
    GrobidUnavailableError,
    ParseError,
)

SERVICE = "processFulltextDocument"
# Back-off after a 503 doubles from busy_sleep_s but never waits longer than this between tries.
MAX_BUSY_SLEEP_S = 60.0
HEALTH_TIMEOUT_S = 5.0

_SEMAPHORES: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_SEMAPHORES_LOCK = threading.Lock()


@dataclass(frozen=True)
class GrobidResult:
    """One answer from GROBID: TEI text (None when it extracted nothing, HTTP 204)."""

    tei: str | None
    status: int
    elapsed_s: float
    attempts: int


def _base(url: str) -> str:
    return url.rstrip("/").removesuffix("/api")


def grobid_alive(url: str, timeout: float = HEALTH_TIMEOUT_S) -> bool:
    """True when GET /api/isalive answers 200 "true"."""
    try:
        response = httpx.get(f"{_base(url)}/api/isalive", timeout=timeout)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and response.text.strip().lower() == "true"


def grobid_version(url: str, timeout: float = HEALTH_TIMEOUT_S) -> str | None:
    """The server's version from GET /api/version, or None when it does not say."""
    try:
        response = httpx.get(f"{_base(url)}/api/version", timeout=timeout)
    except httpx.HTTPError:
        return None
    text = response.text.strip()
    return text if response.status_code == 200 and text and len(text) < 64 else None


def form_fields(settings: GrobidSettings) -> dict[str, str | list[str]]:
    """The form parameters sent with every PDF; also part of the parse cache key."""
    fields: dict[str, str | list[str]] = {
        "consolidateHeader": str(settings.consolidate_header),
        "consolidateCitations": str(settings.consolidate_citations),
        "includeRawCitations": "1" if settings.include_raw_citations else "0",
        "segmentSentences": "1" if settings.segment_sentences else "0",
    }
    if settings.tei_coordinates:
        # GROBID reads teiCoordinates as a repeated field: one value per element name.
        fields["teiCoordinates"] = list(settings.tei_coordinates)
    return fields


@functools.lru_cache(maxsize=8)
def _client(url: str, timeout_s: float) -> GrobidClient:
    # check_server=False: its own check raises at construction; grobid_alive gives a clearer answer.
    return GrobidClient(grobid_server=_base(url), timeout=int(max(1, timeout_s)), check_server=False)


def _semaphore(url: str, concurrency: int) -> threading.BoundedSemaphore:
    """One process-wide semaphore per server and cap, shared by every thread that calls GROBID."""
    with _SEMAPHORES_LOCK:
        key = (_base(url), concurrency)
        if key not in _SEMAPHORES:
            _SEMAPHORES[key] = threading.BoundedSemaphore(concurrency)
        return _SEMAPHORES[key]


def process_fulltext(pdf: bytes, source: str, settings: GrobidSettings) -> GrobidResult:
    """Send one PDF to GROBID; 503s are retried with back-off up to settings.busy_retries times."""
    if not settings.url:
        raise GrobidUnavailableError("(no GROBID url configured)", source)
    url = settings.url
    shown = mask_credentials(url)  # what messages say: the URL without its credentials
    client = _client(url, settings.timeout_s)
    endpoint = client.get_server_url(SERVICE)
    start = time.monotonic()
    delay = settings.busy_sleep_s
    attempts = 0
    # We call the client's post() rather than process_pdf(): process_pdf retries a 503 forever, turns a
    # refused connection into "400 Failed to open file", and sends consolidation levels as booleans.
    while True:
        attempts += 1
        with _semaphore(url, settings.concurrency):
            status, body = _post(client, endpoint, pdf, source, settings)
        if status != 503:
            break
        if attempts > settings.busy_retries:
            raise GrobidBusyError(
                source,
                f"GROBID at {shown} stayed busy (HTTP 503) through {attempts} attempts; try again later",
            )
        time.sleep(min(delay, MAX_BUSY_SLEEP_S))
        delay *= 2
    elapsed = time.monotonic() - start
    if status == 200:
        return GrobidResult(tei=body, status=status, elapsed_s=elapsed, attempts=attempts)
    if status == 204:
        return GrobidResult(tei=None, status=status, elapsed_s=elapsed, attempts=attempts)
    detail = " ".join(body.split())[:300] or "no message"
    if status == 500:
        # BAD_INPUT_DATA, NO_BLOCKS, ...: the PDF itself is the problem; sending it again changes nothing.
        raise ParseError(source, f"GROBID could not process the PDF (HTTP 500): {detail}")
    raise GrobidError(source, f"GROBID at {shown} answered HTTP {status}: {detail}")


def _post(
    client: GrobidClient, endpoint: str, pdf: bytes, source: str, settings: GrobidSettings
) -> tuple[int, str]:
    name = PurePosixPath(source.split("?", 1)[0]).name or "paper.pdf"
    files = {"input": (name, io.BytesIO(pdf), "application/pdf", {"Expires": "0"})}
    url = mask_credentials(settings.url or "")  # for messages only
    try:
        response, status = client.post(
            url=endpoint, files=files, data=form_fields(settings), timeout=settings.timeout_s
        )
    except requests.exceptions.ConnectionError as exc:
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            raise GrobidUnavailableError(url, source, "connection timed out") from exc
        raise GrobidUnavailableError(url, source, "connection refused or reset") from exc
    except requests.exceptions.Timeout as exc:
        raise GrobidTimeoutError(
            source, f"GROBID at {url} did not answer within {settings.timeout_s:g} s (grobid.timeout_s)"
        ) from exc
    except requests.exceptions.RequestException as exc:
        raise GrobidError(source, f"request to GROBID at {url} failed: {exc}") from exc
    return int(status), response.text
