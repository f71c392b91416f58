"""Masking secrets and local places out of text that leaves the process: one function for all of it.

Errors stored in results, log records, published artifacts and CLI output all pass through a
`Redactor`: credentials inside URLs (`https://user:password@host`) and secret query parameters
become `***`, the values of secret settings (API keys, S3 keys, the passwords of configured URLs)
become `**********`, and local folders the settings name become words ("the papers folder").
It lives beside the settings, at the bottom of the layers, so every layer can use it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

MASK = "**********"
# scheme://userinfo@ : whatever stands before the @ of a URL's authority is a credential.
_USERINFO_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]{1,15}://)([^/?#@\s\"'<>]+)@")
_SECRET_PARAM_RE = re.compile(
    r"(?i)([?&;](?:api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token|password|passwd|pwd|"
    r"secret|client[_-]?secret)=)([^&#;\s\"'<>]+)"
)
# Shorter values would mask common words: a real secret is longer.
_MIN_SECRET = 6


def mask_credentials(text: str) -> str:
    """text with the credentials of every URL in it masked (userinfo, secret query parameters)."""
    return _SECRET_PARAM_RE.sub(r"\1***", _USERINFO_RE.sub(r"\1***@", text))


def url_secrets(url: str | None) -> list[str]:
    """The user name and password a URL carries (also percent-decoded), to mask wherever they appear."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = [parts.username, parts.password]
    return [s for v in found if v for s in {v, unquote(v)}]


@dataclass(frozen=True)
class Redactor:
    """Masks credentials in URLs, the given secret values, and the given places (path -> words)."""

    secrets: frozenset[str] = frozenset()
    places: tuple[tuple[str, str], ...] = ()
    # (path, [(pattern, replacement), ...]), longest path first
    _places_re: list[tuple[str, list[tuple[re.Pattern[str], str]]]] = field(
        default_factory=list, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        # Longest first: the papers folder inside the store is named as the papers folder.
        for path, words in sorted(self.places, key=lambda p: -len(p[0])):
            base = path.rstrip("/")
            if len(base) < 2:  # "/" or "": never rewrite every path
                continue
            # Whole paths only: not preceded or followed by what would make it part of a longer one.
            start = r"(?<![\w.\-/])" + re.escape(base)
            inside = re.compile(start + r"/([^\s\"'<>:;,)]*[^\s\"'<>:;,).])")
            named = words.replace("\\", r"\\")
            patterns = [
                (inside, "~/\\1" if words == "~" else r"\1 (in " + named + ")"),
                (re.compile(start + r"(?![\w\-/]|\.\w)"), named),
            ]
            self._places_re.append((base, patterns))

    def __call__(self, text: str) -> str:
        """text with every credential, secret value and named place masked."""
        if not text:
            return text
        if "@" in text or "=" in text:
            text = mask_credentials(text)
        for secret in self.secrets:
            if len(secret) >= _MIN_SECRET and secret in text:
                text = text.replace(secret, MASK)
        for base, patterns in self._places_re:
            if base in text:
                for pattern, words in patterns:
                    text = pattern.sub(words, text)
        return text

    def data(self, value: Any) -> Any:
        """JSON-like data with every string in it redacted (keys kept)."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value

    def merged(self, other: Redactor) -> Redactor:
        return Redactor(self.secrets | other.secrets, tuple(dict.fromkeys(self.places + other.places)))

    def model(self, value: M) -> M:
        """A pydantic model with every string in it redacted (validated again, so still a model)."""
        if not self.touches(value.model_dump_json()):
            return value  # the common case, and cheap: nothing to mask
        return type(value).model_validate(self.data(value.model_dump(mode="json")))

    def touches(self, text: str) -> bool:
        """Whether text holds anything this redactor would mask (a quick check before masking)."""
        if ("@" in text or "=" in text) and mask_credentials(text) != text:
            return True
        return any(s in text for s in self.secrets) or any(base in text for base, _ in self._places_re)


def redactor(secrets: Iterable[str | None] = (), places: Iterable[tuple[str | None, str]] = ()) -> Redactor:
    """A Redactor from secret values and (path, words) places; empty ones are left out."""
    return Redactor(
        frozenset(s for s in secrets if s and len(s) >= _MIN_SECRET),
        tuple((str(p), w) for p, w in places if p),
    )


# --------------------------------------------------------------------------- log records

_LOCK = threading.Lock()
# The masks of the last few configurations this process ran with (a worker serves several runs;
# a test session many): bounded, so that masking a record stays cheap.
_RECENT: dict[Redactor, None] = {}
_KEPT = 8
_FOR_LOGS = Redactor()
_INSTALLED: list[Any] = []


def _factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record: logging.LogRecord = _INSTALLED[0](*args, **kwargs)
    redact_record(record, _FOR_LOGS)
    return record


def redact_record(record: logging.LogRecord, redact: Redactor) -> None:
    """Mask the record's message and its exception text in place (formatted once, here)."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: leave the record as logging would report it
        return
    masked = redact(message)
    if masked != message or record.args:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)


def install_log_redaction(redact: Redactor) -> None:
    """Mask every log record made in this process from now on (all loggers, all handlers).

    The masks of the last few configurations add up (a worker may run several at once). A record
    factory, not a handler filter, so that handlers added later (Prefect's console and API
    handlers) are covered too.
    """
    global _FOR_LOGS
    with _LOCK:
        _RECENT.pop(redact, None)
        _RECENT[redact] = None
        while len(_RECENT) > _KEPT:
            del _RECENT[next(iter(_RECENT))]
        merged = Redactor()
        for one in _RECENT:
            merged = merged.merged(one)
        _FOR_LOGS = merged
        if not _INSTALLED:
            _INSTALLED.append(logging.getLogRecordFactory())
            logging.setLogRecordFactory(_factory)


def mask_secrets(text: str) -> str:
    """text with URL credentials and the secrets of the recent configurations masked, places kept
    (what a person at their own console may see: their folders, never a password)."""
    return Redactor(_FOR_LOGS.secrets)(text)
