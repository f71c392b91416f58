"""One polite HTTP client per API: timeouts, User-Agent, rate limit, Retry-After, on-disk cache.

Every request is bounded as a whole (tasks/harvest/transfer.py): `timeout_s` is the longest it may
take, start to end, however slowly the server drips, and a body past `max_page_mb` is not read.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from config.redact import mask_credentials
from config.settings import HarvestSettings
from tasks.harvest import hosts
from tasks.harvest.errors import HarvestError
from tasks.harvest.transfer import BodyTooLarge, DeadlineExceeded, bounded_get

# Requests that reached the network, per service: tests and `harvest` report them.
REQUESTS: Counter[str] = Counter()
_COUNT_LOCK = threading.Lock()


class ServiceError(HarvestError):
    """An API answered with an error or could not be reached; names the service and URL."""

    def __init__(self, service: str, url: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{service}: {mask_credentials(url)}: {message}")
        self.service = service
        self.url = url
        self.status = status


@dataclass(frozen=True)
class Reply:
    status: int
    text: str
    cached: bool = False
    headers: tuple[tuple[str, str], ...] = ()  # lower-case names

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name.lower()), None)

    def json(self) -> Any:
        return json.loads(self.text)


def cache_key(method: str, url: str, params: dict[str, str] | None) -> str:
    """sha256 of method + URL + sorted params: the same question gives the same file."""
    canonical = json.dumps([method.upper(), url, sorted((params or {}).items())])
    return hashlib.sha256(canonical.encode()).hexdigest()


class ServiceClient:
    """GETs against one API; 429/503 wait Retry-After and retry, other 4xx are final."""

    def __init__(
        self,
        service: str,
        settings: HarvestSettings,
        *,
        min_interval_s: float = 0.0,
        max_connections: int = 10,
        retries: int = 3,
        cached_statuses: tuple[int, ...] = (200, 404),
    ) -> None:
        self.service = service
        self.settings = settings
        self.min_interval_s = min_interval_s
        self.retries = retries
        self.cached_statuses = cached_statuses
        self.max_bytes = int(settings.max_page_mb * 1024 * 1024)
        self._client = httpx.Client(
            timeout=settings.timeout_s,
            headers={"User-Agent": settings.user_agent},
            # arXiv asks for a single connection: the pool size enforces it across threads. No
            # keep-alive: each request opens its own connection, which its deadline can cut.
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=0),
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _cache_path(self, key: str) -> Path | None:
        if self.settings.cache_dir is None:
            return None
        return Path(self.settings.cache_dir) / self.service / f"{key}.json"

    def get_json(self, service: str, url: str, params: dict[str, str], what: str) -> dict[str, Any] | None:
        """GET a JSON API: the decoded object, None on 404, ServiceError naming `what` otherwise."""
        reply = self.get(url, params)
        if reply.status == 404:
            return None
        if reply.status != 200:
            raise ServiceError(service, url, f"HTTP {reply.status} for {what}", reply.status)
        try:
            data = reply.json()
        except ValueError as exc:
            raise ServiceError(service, url, f"response is not JSON: {exc}") from exc
        return data if isinstance(data, dict) else {}

    def get(self, url: str, params: dict[str, str] | None = None) -> Reply:
        """GET url; a cached answer is returned without a request."""
        path = self._cache_path(cache_key("GET", url, params))
        if path is not None and path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            return Reply(status=data["status"], text=data["text"], cached=True)
        reply = self._fetch(url, params)
        if path is not None and reply.status in self.cached_statuses:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(
                json.dumps({"url": url, "params": params, "status": reply.status, "text": reply.text})
            )
            tmp.replace(path)
        return reply

    def get_conditional(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        deadline_s: float | None = None,
    ) -> Reply:
        """GET url unless it is unchanged since etag / last_modified (then 304); never from the disk cache.

        deadline_s shortens the request's deadline (a poll with little time left); never lengthens it.
        """
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._fetch(url, None, headers, deadline_s=deadline_s)

    def get_bytes(self, url: str, *, max_bytes: int | None = None) -> tuple[int, bytes]:
        """GET a binary file (a compressed bulk export) once: (status, body); not cached on disk.

        Bounded like every request of this client: the whole request within the deadline, the body
        within max_bytes (default the client's cap)."""
        with _COUNT_LOCK:
            REQUESTS[self.service] += 1
        try:
            response = bounded_get(
                self._client, url, deadline_s=self.settings.timeout_s, max_bytes=max_bytes or self.max_bytes
            )
        except (DeadlineExceeded, BodyTooLarge) as exc:
            raise ServiceError(self.service, url, _reason(exc)) from None
        except httpx.HTTPError as exc:
            raise ServiceError(self.service, url, f"{type(exc).__name__}: {exc}") from exc
        return response.status, response.body

    def _fetch(
        self,
        url: str,
        params: dict[str, str] | None,
        headers: dict[str, str] | None = None,
        *,
        deadline_s: float | None = None,
    ) -> Reply:
        deadline = min(self.settings.timeout_s, deadline_s or self.settings.timeout_s)
        for attempt in range(self.retries + 1):
            # A host that refused a connection (offline, or down) is not asked again for a while, and
            # the requests waiting for its rate-limit slot give up with the first refusal.
            if (why := hosts.take_turn(url, self.min_interval_s)) is not None:
                raise ServiceError(self.service, url, why)
            with _COUNT_LOCK:
                REQUESTS[self.service] += 1
            try:
                response = bounded_get(
                    self._client,
                    url,
                    deadline_s=deadline,
                    max_bytes=self.max_bytes,
                    params=params,
                    headers=headers,
                )
            except DeadlineExceeded as exc:
                raise ServiceError(
                    self.service, url, f"{_reason(exc)} (PAPERPANELS_HARVEST__TIMEOUT_S: the whole request)"
                ) from None
            except BodyTooLarge as exc:
                raise ServiceError(
                    self.service, url, f"{_reason(exc)} (PAPERPANELS_HARVEST__MAX_PAGE_MB)"
                ) from None
            except httpx.TimeoutException as exc:
                raise ServiceError(self.service, url, f"timed out after {self.settings.timeout_s} s") from exc
            except httpx.ConnectError as exc:
                hosts.refused(url, exc)
                raise ServiceError(
                    self.service, url, f"cannot connect ({type(exc).__name__}: {exc})"
                ) from exc
            except httpx.HTTPError as exc:
                raise ServiceError(self.service, url, f"{type(exc).__name__}: {exc}") from exc
            status = response.status
            if status in (429, 503) and attempt < self.retries:
                time.sleep(self._retry_after(response.headers, attempt))
                continue
            if status in (429, 503) or status >= 500:
                raise ServiceError(self.service, url, f"HTTP {status} (gave up)", status)
            pairs = tuple((k.lower(), v) for k, v in response.headers.items())
            return Reply(status=status, text=_text(response.body, response.headers), headers=pairs)
        raise AssertionError("unreachable")  # the loop always returns or raises

    def _retry_after(self, headers: httpx.Headers, attempt: int) -> float:
        """Seconds to wait: Retry-After when it is a number, else exponential back-off."""
        header = headers.get("retry-after", "")
        try:
            wait = float(header)
        except ValueError:
            wait = 2.0**attempt
        return max(0.0, min(wait, self.settings.max_retry_after_s))


def _reason(exc: Exception) -> str:
    """The error's words without the URL it starts with (ServiceError names the URL itself)."""
    return str(exc).split(": ", 1)[-1]


def _text(body: bytes, headers: httpx.Headers) -> str:
    """The body as text, in the charset its Content-Type names (UTF-8 otherwise)."""
    found = re.search(r"charset=[\"']?([\w.:-]+)", headers.get("content-type", ""), re.IGNORECASE)
    try:
        return body.decode(found.group(1) if found else "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def clients(settings: HarvestSettings) -> dict[str, ServiceClient]:
    """The three API clients, each built once from settings."""
    return {
        "arxiv": ServiceClient(
            "arxiv", settings, min_interval_s=settings.arxiv_interval_s, max_connections=1
        ),
        "openreview": ServiceClient("openreview", settings),
        "semantic_scholar": ServiceClient(
            "semantic_scholar", settings, min_interval_s=settings.semantic_scholar_interval_s
        ),
    }
