"""One masking function: URL credentials, configured secrets and local folders, wherever text goes out."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from config.redact import MASK, install_log_redaction, mask_credentials, redactor
from config.settings import Settings
from tasks.models import PaperResult


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "openai at https://user:pa%40ss@llm.example/v1 failed",
            "openai at https://***@llm.example/v1 failed",
        ),
        ("git clone https://ghp_token123@github.com/a/b", "git clone https://***@github.com/a/b"),
        ("redis://:hunter22@cache:6379/0", "redis://***@cache:6379/0"),
        ("GET https://h/x?api_key=abc123&page=2", "GET https://h/x?api_key=***&page=2"),
        ("https://h/x?access_token=t0k&token=x", "https://h/x?access_token=***&token=***"),
        ("mail me at someone@example.org", "mail me at someone@example.org"),  # not a URL
        ("https://example.org/a@b", "https://example.org/a@b"),  # an @ in the path is not userinfo
    ],
)
def test_credentials_in_urls_are_masked(text: str, masked: str) -> None:
    assert mask_credentials(text) == masked


def test_secrets_and_places_of_the_settings(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    settings = Settings(
        store={"uri": str(tmp_path / "store"), "endpoint_url": "http://s3user:s3secret99@minio:9000"},
        llm={"api_key": "sk-live-0123456789", "base_url": "http://u:llmpass77@vllm:8000/v1"},
        grobid={"url": "http://g:grobidpw1@grobid:8070"},
        harvest={"papers_dir": str(papers)},
    )
    redact = settings.redactor()
    text = (
        f"key sk-live-0123456789 and llmpass77 and grobidpw1 s3secret99; {papers}/x.pdf is not a PDF; "
        f"not in {papers}; store {tmp_path / 'store'}"
    )
    assert redact(text) == (
        f"key {MASK} and {MASK} and {MASK} {MASK}; x.pdf (in the papers folder) is not a PDF; "
        "not in the papers folder; store the store"
    )
    shown = json.dumps(settings.masked())
    assert "llmpass77" not in shown and "s3secret99" not in shown and "sk-live" not in shown
    assert str(papers) in shown  # `paperpanels config` shows the folders the user set


def test_a_result_is_redacted_and_stays_a_model() -> None:
    result = PaperResult.model_validate(
        {
            "paper_id": "a",
            "entry": {"title": "A", "award": "best paper"},
            "status": "failed",
            "stages": {
                "summarize": {"state": "failed", "error": "LLMError: openai at http://u:pw@h/v1 is down"}
            },
            "notices": ["/srv/papers/a.pdf was read"],
        }
    )
    redacted = redactor(places=[("/srv/papers", "the papers folder")]).model(result)
    assert isinstance(redacted, PaperResult)
    assert redacted.error == "LLMError: openai at http://***@h/v1 is down"
    assert redacted.notices == ["a.pdf (in the papers folder) was read"]


def test_every_log_record_is_masked_whatever_logger_or_handler(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction(redactor(["topsecret-42"], [("/srv/papers", "the papers folder")]))
    logger = logging.getLogger("some.library")
    with caplog.at_level(logging.INFO, logger="some.library"):
        logger.info("connecting to %s with %s", "https://a:topsecret-42@h", "/srv/papers/p.pdf")
        try:
            raise RuntimeError("token topsecret-42")
        except RuntimeError:
            logger.exception("failed")
    text = caplog.text
    assert "topsecret-42" not in text and "/srv/papers" not in text
    assert "https://***@h" in text and "p.pdf (in the papers folder)" in text
