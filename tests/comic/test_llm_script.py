"""The LLM comic script through the real OpenAI client and the local replay server.

A valid script is used as written; one that breaks a rule (a number no claim states) is sent back
once with the problems and the repaired one is used; a refusal or a second rejection gives the
content-aware script with a notice; a provider error is a ComicError naming the paper.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from tasks.comic.errors import ComicError
from tasks.comic.script.brief import ComicBrief, brief_for
from tasks.comic.script.checks import script_problems
from tasks.comic.script.choice import choose_script_writer
from tasks.comic.script.llm import LLMScriptWriter
from tasks.comic.script.writers import StoryWriter
from tasks.models import AwardKind, FigureRef
from tests.comic.conftest import make_summary
from tests.summarize.openai_server import INVENTED_NUMBER, ReplayServer
from tests.summarize.replay import MODEL, serve, settings_for

SUMMARY = make_summary(
    [
        "We propose SPECTER, a method that embeds scientific documents using the citation graph.",
        "We release SCIDOCS, a benchmark of seven document-level tasks.",
    ],
    ["SPECTER outperforms strong baselines with an average performance of 80.0 on the benchmark."],
)
FIGURE = FigureRef(
    number=1, label="Figure 1", caption="Figure 1: Overview of SPECTER.", page=2, bbox=(0, 0, 1, 1),
    file="figures/fig-1.png", width=400, height=300, source="pdfium",
)  # fmt: skip


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    yield from serve()


@pytest.fixture
def brief() -> ComicBrief:
    return brief_for(
        SUMMARY, "SPECTER: Citation-informed Transformers", award=AwardKind.RUNNER_UP, figures=[FIGURE]
    )


def _writer(replay: ReplayServer, tmp_path: Path) -> LLMScriptWriter:
    choice = choose_script_writer(Settings.model_construct(llm=settings_for(replay, tmp_path)))
    assert isinstance(choice.writer, LLMScriptWriter)
    return choice.writer


def test_a_valid_script_is_used_as_written(replay: ReplayServer, brief: ComicBrief, tmp_path: Path) -> None:
    writer = _writer(replay, tmp_path)
    outcome = writer.write(brief, panels=None, paper_id="specter")
    script = outcome.script
    assert script.writer == f"llm:{MODEL}" and outcome.identity == writer.identity and not outcome.notices
    assert script_problems(script, brief) == []
    assert script.panels[1].caption.startswith("We propose SPECTER") and script.panels[1].claims == ["c1"]
    assert script.panels[1].figure == 1 and "on the left" in script.panels[1].scene
    assert outcome.usage is not None and outcome.usage.input_tokens > 0 and len(outcome.usage.calls) == 1
    # The model saw the verified claims with their ids, the figures and the award, as data.
    (request,) = replay.requests
    sent = request.text()
    assert "[c1] We propose SPECTER" in sent and "[1] Figure 1: Overview of SPECTER." in sent
    assert (
        "a runner-up" in sent and request.body["response_format"]["json_schema"]["name"] == "ComicScriptDraft"
    )


def test_an_invented_number_is_sent_back_and_the_repair_is_used(
    replay: ReplayServer, brief: ComicBrief, tmp_path: Path
) -> None:
    replay.state.script = ["number", "ok"]
    outcome = _writer(replay, tmp_path).write(brief, panels=None, paper_id="specter")
    assert len(replay.requests) == 2 and not outcome.notices
    repair = replay.requests[1].text()
    assert "caption has number(s) ['99.9'] that its claims do not state" in repair
    assert "99.9" not in outcome.script.model_dump_json()
    assert [c.purpose for c in outcome.usage.calls] == ["comic script", "comic script (repair)"]  # type: ignore[union-attr]


@pytest.mark.parametrize("modes", [["refusal"], ["invent", "invent"], ["malformed", "number"]])
def test_refusal_or_two_rejections_give_the_story_script_with_a_notice(
    replay: ReplayServer, brief: ComicBrief, tmp_path: Path, modes: list[str]
) -> None:
    replay.state.script = list(modes)
    outcome = _writer(replay, tmp_path).write(brief, panels=4, paper_id="specter")
    assert len(replay.requests) == len(modes)
    assert outcome.identity == StoryWriter().identity  # the cache records what actually wrote it
    (notice,) = outcome.notices
    assert notice.startswith(f"LLM comic script ({MODEL}) not used:") and "content-aware" in notice
    assert "refused" in notice if modes == ["refusal"] else "refused" not in notice
    assert outcome.script.writer == "story-1" and len(outcome.script.panels) == 4
    assert INVENTED_NUMBER not in outcome.script.model_dump_json()
    assert script_problems(outcome.script, brief) == []


def test_a_provider_error_is_a_comic_error_naming_the_paper(
    replay: ReplayServer, brief: ComicBrief, tmp_path: Path
) -> None:
    replay.state.default = "500"
    with pytest.raises(ComicError, match=r"comic script for paper 'specter'.*HTTP 500"):
        _writer(replay, tmp_path).write(brief, panels=None, paper_id="specter")
