"""Provider trouble through the real OpenAI client: rate limits, 5xx, timeouts, wrong key, server down."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from config.settings import LLMSettings
from tasks.llm import LLMError, chat_model, llm_slot, masked, model_identity
from tasks.summarize.llm import LLMSummarizeError, summarize_with_llm
from tests.summarize.conftest import make_paper
from tests.summarize.openai_server import ReplayServer
from tests.summarize.replay import serve, settings_for

PAPER = make_paper(title="Document Embeddings from Citations")


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    yield from serve()


def test_429_retry_after_is_honoured(replay: ReplayServer, tmp_path: Path) -> None:
    replay.state.script = ["429"]
    replay.state.retry_after = "1"
    result = summarize_with_llm(PAPER, settings=settings_for(replay, tmp_path), paper_id="p")
    first, second = replay.requests[:2]
    assert first.mode == "429" and second.mode == "ok"
    # The client's own back-off starts near 0.5 s; waiting a second means it read Retry-After.
    assert second.at - first.at >= 0.95
    assert [c.purpose for c in result.usage.calls] == ["summary", "review"]


def test_5xx_is_retried_with_backoff(replay: ReplayServer, tmp_path: Path) -> None:
    replay.state.script = ["500", "500"]
    result = summarize_with_llm(PAPER, settings=settings_for(replay, tmp_path), paper_id="p")
    assert [r.mode for r in replay.requests[:3]] == ["500", "500", "ok"]
    at = [r.at for r in replay.requests[:3]]
    assert at[2] - at[1] > at[1] - at[0] > 0.2  # exponential back-off between retries
    assert result.summary.faithfulness == 1.0


def test_5xx_after_all_retries_is_a_clear_error(replay: ReplayServer, tmp_path: Path) -> None:
    replay.state.script = ["500"] * 5
    with pytest.raises(LLMSummarizeError, match="HTTP 500 after retries") as info:
        summarize_with_llm(PAPER, settings=settings_for(replay, tmp_path, max_retries=1), paper_id="p")
    assert info.value.kind == "unavailable" and len(replay.requests) == 2


def test_wrong_key_fails_once_naming_the_provider(replay: ReplayServer, tmp_path: Path) -> None:
    settings = settings_for(replay, tmp_path, api_key="sk-wrong-key-123")
    with pytest.raises(LLMSummarizeError) as info:
        summarize_with_llm(PAPER, settings=settings, paper_id="p")
    assert info.value.kind == "auth" and info.value.provider == "openai"
    assert "openai rejected the API key (HTTP 401)" in str(info.value)
    assert "sk-wrong-key-123" not in str(info.value)
    assert len(replay.requests) == 1  # no retry storm


def test_provider_down_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = LLMSettings(
        model="openai:replay-model",
        base_url=f"http://127.0.0.1:{port}/v1",
        api_key=SecretStr("k"),
        max_retries=0,
    )
    with pytest.raises(
        LLMSummarizeError, match=r"openai at http://127\.0\.0\.1:\d+/v1 is unreachable"
    ) as info:
        summarize_with_llm(PAPER, settings=settings, paper_id="p")
    assert info.value.kind == "unavailable"


def test_timeout_is_retried_then_reported(replay: ReplayServer, tmp_path: Path) -> None:
    replay.state.script = ["slow", "slow"]
    replay.state.slow_s = 1.5
    settings = settings_for(replay, tmp_path, timeout_s=0.3, max_retries=1)
    with pytest.raises(LLMSummarizeError, match="unreachable") as info:
        summarize_with_llm(PAPER, settings=settings, paper_id="p")
    assert info.value.kind == "unavailable" and len(replay.requests) == 2


def test_concurrency_limits_calls_in_flight(replay: ReplayServer, tmp_path: Path) -> None:
    replay.state.script = ["slow"] * 8
    replay.state.slow_s = 0.3
    settings = settings_for(replay, tmp_path, concurrency=2)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            summarize_with_llm(PAPER, settings=settings, paper_id=f"p{i}")
        except BaseException as exc:  # re-raised below in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(replay.requests) == 8 and replay.state.max_in_flight == 2


def test_a_papers_summary_and_review_are_asked_at_once(replay: ReplayServer, tmp_path: Path) -> None:
    # Neither needs the other: the server answers neither until both are in flight ("together"), so
    # one after the other they would fail. The ledger lists the summary's call first all the same.
    replay.state.script = ["together", "together"]
    settings = settings_for(replay, tmp_path, concurrency=2, timeout_s=60)  # past the server's 20 s wait
    result = summarize_with_llm(PAPER, settings=settings, paper_id="p")
    assert sorted(r.schema_name() for r in replay.requests) == ["ReviewDraft", "SummaryDraft"]
    assert replay.state.max_in_flight == 2
    assert [c.purpose for c in result.usage.calls] == ["summary", "review"]
    assert result.summary.faithfulness == 1.0 and result.review.key_results


def test_one_slot_asks_one_question_at_a_time(replay: ReplayServer, tmp_path: Path) -> None:
    replay.state.script = ["slow", "slow"]
    replay.state.slow_s = 0.2
    summarize_with_llm(PAPER, settings=settings_for(replay, tmp_path, concurrency=1), paper_id="p")
    assert replay.state.max_in_flight == 1
    assert [r.schema_name() for r in replay.requests] == ["SummaryDraft", "ReviewDraft"]


def test_llm_slot_is_shared_per_concurrency() -> None:
    settings = LLMSettings(model="openai:x", concurrency=1)
    entered = threading.Event()

    def second_caller() -> None:
        with llm_slot(settings):
            entered.set()

    with llm_slot(settings):
        t = threading.Thread(target=second_caller)
        t.start()
        assert not entered.wait(0.2)  # the second caller waits for the slot
    assert entered.wait(2)
    t.join()


def test_unknown_provider_names_it() -> None:
    with pytest.raises(LLMError, match="'nosuchprovider'") as info:
        chat_model(LLMSettings(model="nosuchprovider:m"))
    assert info.value.kind == "config"


def test_missing_provider_package_names_it() -> None:
    pytest.importorskip("langchain_openai")
    try:
        import langchain_anthropic  # noqa: F401
    except ImportError:
        with pytest.raises(LLMError, match="'anthropic' needs its LangChain package"):
            chat_model(LLMSettings(model="anthropic:claude-3-5-haiku-latest", api_key=SecretStr("k")))
    else:
        pytest.skip("langchain-anthropic is installed here")


@pytest.mark.parametrize("model", ["gpt-4o-mini", ":gpt-4o", "openai:"])
def test_model_must_be_provider_colon_model(model: str) -> None:
    # Refused where the settings are read (before any run starts), and by the factory itself.
    with pytest.raises(ValidationError, match="must be 'provider:model'"):
        LLMSettings(model=model)
    with pytest.raises(LLMError, match="must be 'provider:model'"):
        chat_model(LLMSettings.model_construct(model=model))


def test_an_empty_model_means_no_llm() -> None:
    assert LLMSettings(model="").model is None
    with pytest.raises(LLMError, match="must be 'provider:model'"):
        chat_model(LLMSettings.model_construct(model=""))


def test_masked_settings_hide_the_key_and_the_model_gets_it() -> None:
    settings = LLMSettings(
        model="OpenAI:gpt-4o-mini", api_key=SecretStr("sk-secret-987"), base_url="http://127.0.0.1:9/v1"
    )
    assert masked(settings)["api_key"] == "**********" and "sk-secret-987" not in str(masked(settings))
    assert model_identity(settings) == "openai:gpt-4o-mini"
    model = chat_model(settings)
    assert model.openai_api_key.get_secret_value() == "sk-secret-987"  # type: ignore[attr-defined]
    assert model.max_retries == 3 and model.temperature == 0.2  # type: ignore[attr-defined]
    assert "sk-secret-987" not in repr(model)


def test_no_model_configured_is_a_summarize_error(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no LLM configured"):
        summarize_with_llm(PAPER, settings=LLMSettings(), paper_id="p")
