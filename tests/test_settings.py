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
