"""script_from_summary: a valid, deterministic story of 3-6 panels that never cuts a word."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from tasks.comic.script import CAPTION_CHARS, ELLIPSIS, MASCOT, script_from_summary, shorten
from tasks.models import ComicPanel, ComicScript, PaperSummary

TITLE = "Gated Attention for Large Language Models"


def _sources(summary: PaperSummary) -> list[str]:
    return [re.sub(r"\s+", " ", c.text).strip() for c in summary.claims()] + [summary.tldr]


def _assert_not_cut(caption: str, sources: list[str]) -> None:
    """A caption is a whole source, or a prefix of one that ends at a word boundary."""
    if not caption.endswith(ELLIPSIS):
        return
    head = caption.removesuffix(ELLIPSIS)
    matches = [s for s in sources if s.startswith(head)]
    assert matches, f"caption {caption!r} is not a prefix of any claim"
    nxt = matches[0][len(head) : len(head) + 1]
    assert not nxt.isalnum(), f"caption {caption!r} cuts a word (next char {nxt!r})"


@pytest.mark.parametrize("panels", [3, 4, 5, 6])
def test_small_summary_gives_valid_script(small_summary: PaperSummary, panels: int) -> None:
    script = script_from_summary(small_summary, TITLE, panels=panels)
    assert len(script.panels) == panels
    captions = [p.caption for p in script.panels]
    assert len(set(captions)) == panels, "no caption repeats"
    for panel in script.panels:
        assert panel.scene and panel.caption
        assert [d.speaker for d in panel.dialogue] == [MASCOT]
        assert len(panel.dialogue[0].text) <= 60
        assert "“" not in panel.scene and '"' not in panel.scene, "scenes describe pictures, not text"
    assert TITLE in script.alt_text and all(c in script.alt_text for c in captions)


@pytest.mark.parametrize("panels", [3, 4, 5, 6])
def test_large_summary_shortens_at_word_boundaries(large_summary: PaperSummary, panels: int) -> None:
    script = script_from_summary(large_summary, TITLE, panels=panels)
    assert len(script.panels) == panels
    sources = _sources(large_summary)
    for panel in script.panels:
        assert len(panel.caption) <= CAPTION_CHARS
        _assert_not_cut(panel.caption, sources)
    # The claims carry the story: the problem and the idea come from the summary itself.
    assert any(p.caption.startswith("The authors train") for p in script.panels)


def test_script_is_deterministic(large_summary: PaperSummary) -> None:
    a = script_from_summary(large_summary, TITLE, panels=5)
    b = script_from_summary(large_summary, TITLE, panels=5)
    assert a == b


@pytest.mark.parametrize("panels", [0, 2, 7, 12])
def test_panel_count_out_of_range_is_rejected(small_summary: PaperSummary, panels: int) -> None:
    with pytest.raises(ValueError, match="3-6 panels"):
        script_from_summary(small_summary, TITLE, panels=panels)


@pytest.mark.parametrize("count", [0, 12])
def test_model_rejects_0_or_12_panels(count: int) -> None:
    panel = ComicPanel(scene="Pip waves", caption="Hello")
    with pytest.raises(ValidationError):
        ComicScript(title="t", panels=[panel] * count)


def test_shorten_keeps_words_whole() -> None:
    text = "Attention sinks appear because softmax must put its mass somewhere, even on useless tokens " * 3
    out = shorten(text, 100)
    assert len(out) <= 100 and out.endswith(ELLIPSIS)
    _assert_not_cut(out, [re.sub(r"\s+", " ", text).strip()])
    assert shorten("  short   text ") == "short text"


def test_shorten_prefers_a_whole_first_sentence() -> None:
    text = "Gating removes the attention sink entirely. " + "More words follow here. " * 10
    assert shorten(text, 120) == "Gating removes the attention sink entirely."


def test_shorten_cjk_and_giant_tokens() -> None:
    cjk = "注意力机制" * 60
    out = shorten(cjk, 50)
    assert len(out) <= 50 and out.endswith(ELLIPSIS)
    token = "a" * 300
    assert shorten(f"{token} tail", 50) == token, "a single giant word is kept whole, not cut"
