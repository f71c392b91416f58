"""Settings: env vars with nested sections, a TOML file, masked secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings, get_settings


def test_defaults_are_the_embedded_demo_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAPERPANELS_STORE__URI")
    monkeypatch.delenv("PAPERPANELS_HARVEST__DOWNLOAD")
    s = Settings()
    assert s.store.uri == "./artifacts"
    assert s.llm.model is None and s.grobid.url is None and s.comic.renderer == "auto"
    assert s.harvest.download is True and s.harvest.arxiv_interval_s == 3.0


def test_env_nested_and_short_papers_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PAPERPANELS_STORE__URI", "s3://bucket/prefix")
    monkeypatch.setenv("PAPERPANELS_LLM__MODEL", "openai:gpt-4o-mini")
    monkeypatch.setenv("PAPERPANELS_PAPERS_DIR", str(tmp_path))
    monkeypatch.setenv("PAPERPANELS_CONCURRENCY", "2")
    s = Settings()
    assert s.store.uri == "s3://bucket/prefix"
    assert s.llm.model == "openai:gpt-4o-mini"
    assert s.harvest.papers_dir == tmp_path
    assert s.concurrency == 2


@pytest.mark.parametrize(
    ("model", "base_url", "calls"),
    [
        ("openai:gpt-4o-mini", None, 16),  # a hosted API: many at once, the rate limit keeps the quota
        ("anthropic:claude-3-5-haiku-latest", None, 16),
        ("openai:meta-llama/llama-3.1-8b", "https://openrouter.ai/api/v1", 16),  # hosted, behind a base_url
        ("ollama:llama3.1", None, 4),  # a model on this machine answers a few at a time
        ("openai:qwen2.5", "http://localhost:8000/v1", 4),
        ("openai:qwen2.5", "http://127.0.0.1:8080/v1", 4),
        ("openai:qwen2.5", "http://192.168.1.20:1234/v1", 4),
        ("openai:qwen2.5", "http://10.0.0.7/v1", 4),
        ("openai:qwen2.5", "http://[::1]:8000/v1", 4),
        ("openai:qwen2.5", "http://gpu-box.local:8000/v1", 4),
        ("openai:qwen2.5", "http://vllm:8000/v1", 4),  # a compose service
    ],
)
def test_model_calls_at_once_follow_where_the_model_is_served(
    model: str, base_url: str | None, calls: int
) -> None:
    s = get_settings().with_values(**{"llm.model": model, "llm.base_url": base_url})
    assert s.llm.concurrency is None and s.llm.calls_at_once == calls


def test_model_calls_at_once_set_win_and_unset_follow_a_changed_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAPERPANELS_LLM__MODEL", "ollama:llama3.1")
    assert Settings().llm.calls_at_once == 4
    hosted = Settings().with_values(**{"llm.model": "openai:gpt-4o-mini"})
    assert hosted.llm.calls_at_once == 16  # derived again from the run's own model
    monkeypatch.setenv("PAPERPANELS_LLM__CONCURRENCY", "3")
    assert Settings().llm.calls_at_once == 3
    assert Settings().with_values(**{"llm.model": "openai:gpt-4o-mini"}).llm.calls_at_once == 3
    with pytest.raises(ValueError, match="llm.concurrency"):
        Settings().with_values(**{"llm.concurrency": 0})


def test_toml_file_below_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "pp.toml"
    path.write_text('[comic]\nrenderer = "sketch"\nwidth = 1024\n[store]\nuri = "from-toml"\n')
    monkeypatch.setenv("PAPERPANELS_CONFIG_FILE", str(path))
    s = Settings()
    assert s.comic.renderer == "sketch" and s.comic.width == 1024
    assert s.store.uri != "from-toml"  # the environment wins over the file


def test_missing_named_config_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PAPERPANELS_CONFIG_FILE", str(tmp_path / "nope.toml"))
    with pytest.raises(FileNotFoundError, match="nope.toml"):
        Settings()


def test_secrets_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERPANELS_LLM__API_KEY", "sk-very-secret")
    monkeypatch.setenv("PAPERPANELS_STORE__SECRET_ACCESS_KEY", "aws-very-secret")
    get_settings.cache_clear()
    s = get_settings()
    assert s.llm.api_key is not None and s.llm.api_key.get_secret_value() == "sk-very-secret"
    text = str(s.masked()) + repr(s)
    assert "very-secret" not in text and "**********" in text
