"""The chat model every LLM stage uses: built from LLMSettings, throttled, with errors that name the provider.

Shared by the summarize and comic stages. The API key lives in a SecretStr and is handed straight to
the provider client; `masked` is what may be logged.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from config.redact import mask_credentials
from config.settings import LLMSettings

if TYPE_CHECKING:  # LangChain is imported only where a chat model is built: an extractive run never pays
    from langchain_core.language_models import BaseChatModel

MASK = "**********"

# What each provider's chat class calls the settings that LangChain does not name uniformly.
_PROVIDER_KWARGS: dict[str, dict[str, str]] = {
    "ollama": {"max_tokens": "num_predict", "timeout": "", "max_retries": "", "api_key": ""},
    "anthropic": {"timeout": "default_request_timeout"},
}


class LLMError(Exception):
    """A chat-model call failed for a reason the user must fix or wait out; names the provider."""

    def __init__(self, provider: str, kind: str, message: str) -> None:
        super().__init__(message)
        self.provider = provider
        self.kind = kind  # "config", "auth", "unavailable", "rate_limited", "bad_request"


def provider_and_model(settings: LLMSettings) -> tuple[str, str]:
    """Split settings.model "provider:model"; a missing provider or model is a config error."""
    spec = (settings.model or "").strip()
    provider, sep, model = spec.partition(":")
    if not sep or not provider.strip() or not model.strip():
        raise LLMError(
            provider or "?",
            "config",
            f"LLM model {spec!r} must be 'provider:model', e.g. 'openai:gpt-4o-mini' or 'ollama:llama3.1'",
        )
    return provider.strip().lower(), model.strip()


def model_identity(settings: LLMSettings) -> str:
    """The "provider:model" string recorded as a summary's generator and used for prices."""
    provider, model = provider_and_model(settings)
    return f"{provider}:{model}"


def masked(settings: LLMSettings) -> dict[str, Any]:
    """LLM settings safe to log: the API key replaced by a mask (or None when unset)."""
    data = settings.model_dump(mode="json")
    data["api_key"] = MASK if settings.api_key is not None else None
    return data


def chat_model(settings: LLMSettings) -> BaseChatModel:
    """A LangChain chat model for settings.model; unknown provider or missing package -> LLMError."""
    from langchain.chat_models import init_chat_model

    provider, model = provider_and_model(settings)
    wanted: dict[str, Any] = {
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
        "timeout": settings.timeout_s,
        "max_retries": settings.max_retries,
    }
    if settings.base_url:
        wanted["base_url"] = settings.base_url
    if settings.api_key is not None:
        wanted["api_key"] = settings.api_key.get_secret_value()
    renames = _PROVIDER_KWARGS.get(provider, {})
    kwargs = {renames.get(k, k): v for k, v in wanted.items() if renames.get(k, k)}
    try:
        return init_chat_model(model, model_provider=provider, **kwargs)
    except ImportError as exc:
        raise LLMError(
            provider, "config", f"LLM provider {provider!r} needs its LangChain package: {exc}"
        ) from exc
    except ValueError as exc:
        # init_chat_model says "Unsupported model_provider"; the key never appears in its messages.
        raise LLMError(provider, "config", f"LLM provider {provider!r} is not usable: {exc}") from exc
    except Exception as exc:  # a client constructor rejecting its arguments (e.g. no API key)
        raise LLMError(
            provider, "config", f"LLM provider {provider!r} could not be set up: {type(exc).__name__}: {exc}"
        ) from exc


_SEMAPHORES: dict[int, threading.BoundedSemaphore] = {}
_SEMAPHORES_LOCK = threading.Lock()


@contextmanager
def llm_slot(settings: LLMSettings) -> Iterator[None]:
    """Hold one of settings.calls_at_once process-wide slots for the duration of one LLM call."""
    with _SEMAPHORES_LOCK:
        semaphore = _SEMAPHORES.setdefault(
            settings.calls_at_once, threading.BoundedSemaphore(settings.calls_at_once)
        )
    with semaphore:
        yield


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def as_llm_error(exc: BaseException, settings: LLMSettings) -> LLMError | None:
    """The LLMError a provider client's exception stands for, or None when it is not a provider error."""
    provider = (settings.model or "?").partition(":")[0] or "?"
    where = mask_credentials(settings.base_url) if settings.base_url else "its default endpoint"
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    names = _names(exc)
    if status in (401, 403) or "AuthenticationError" in names or "PermissionDeniedError" in names:
        return LLMError(
            provider,
            "auth",
            f"{provider} rejected the API key (HTTP {status}); check PAPERPANELS_LLM__API_KEY",
        )
    if status == 429:
        return LLMError(provider, "rate_limited", f"{provider} is rate limiting (HTTP 429) after retries")
    if isinstance(status, int) and status >= 500:
        return LLMError(
            provider, "unavailable", f"{provider} at {where} failed with HTTP {status} after retries"
        )
    if status is not None and isinstance(status, int) and status >= 400:
        return LLMError(provider, "bad_request", f"{provider} refused the request (HTTP {status}): {exc}")
    if names & {
        "APIConnectionError",
        "APITimeoutError",
        "ConnectError",
        "TimeoutException",
        "ConnectionError",
    }:
        return LLMError(
            provider, "unavailable", f"{provider} at {where} is unreachable: {type(exc).__name__}"
        )
    if isinstance(exc, TimeoutError):
        return LLMError(provider, "unavailable", f"{provider} at {where} timed out")
    return None
