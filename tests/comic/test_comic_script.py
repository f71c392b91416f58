"""The content-aware script without an LLM: the paper's claims, figure, number, motifs and award."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tasks.comic.script.brief import brief_for
from tasks.comic.script.captions import CAPTION_CHARS, ends_at_boundary
from tasks.comic.script.checks import ALT_CHARS, dialogue_problems, script_problems
from tasks.comic.script.story import MASCOT, script_from_summary, write_story
from tasks.models import AwardKind, ComicPanel, ComicScript, DialogueLine, FigureRef, PaperSummary
from tests.comic.conftest import make_summary

TITLE = "Gated Attention for Large Language Models"


def _figure(number: int, caption: str) -> FigureRef:
    return FigureRef(
        number=number, label=f"Figure {number}", caption=caption, page=2, bbox=(0, 0, 100, 100),
        file=f"figures/fig-{number}.png", width=400, height=300, source="pdfium",
    )  # fmt: skip


CITATIONS = make_summary(
    [
        "We propose SPECTER, a method that embeds scientific documents using the citation graph.",
        "We release SCIDOCS, a benchmark of seven document-level tasks.",
    ],
    [
        "Existing models embed sentences and lack a signal of relatedness between whole papers.",
        "SPECTER outperforms strong baselines with an average performance of 80.0, a 3.1 point improvement.",
    ],
)
CLINICAL = make_summary(
    ["We develop a classifier that uses streaming vitals and lab results of hospital patients."],
    [
        "Sepsis is a poorly understood complication and early detection is a critical challenge.",
        "Our model outperforms clinical baselines for early detection of sepsis in patients.",
    ],
)


@pytest.mark.parametrize("panels", [3, 4, 5, 6])
@pytest.mark.parametrize("award", [AwardKind.BEST_PAPER, AwardKind.RUNNER_UP, AwardKind.TEST_OF_TIME, None])
def test_every_script_passes_the_checks(
    large_summary: PaperSummary, panels: int, award: AwardKind | None
) -> None:
    brief = brief_for(large_summary, TITLE, award=award)
    script = write_story(brief, panels=panels)
    assert len(script.panels) == panels
    assert script_problems(script, brief) == []
    for panel in script.panels:
        assert len(panel.caption) <= CAPTION_CHARS and ends_at_boundary(panel.caption)
        assert [d.speaker for d in panel.dialogue] == [MASCOT]
        assert panel.role == "setup" or panel.role == "award" or panel.claims
    assert len(script.alt_text) <= ALT_CHARS and TITLE in script.alt_text
    assert len({p.caption for p in script.panels}) == panels, "no caption repeats"


def test_roles_follow_the_claims_wording() -> None:
    script = write_story(brief_for(CITATIONS, "SPECTER", award=AwardKind.BEST_PAPER))
    roles = {p.role: p for p in script.panels}
    assert roles["idea"].caption.startswith("We propose SPECTER")
    assert roles["problem"].caption.startswith("Existing models")
    result = roles["result"]
    assert result.callout == "3.1 point" and result.callout in result.caption
    assert "3.1 point" in result.dialogue[0].text  # the number Pip says is the caption's


def test_scenes_come_from_what_the_paper_is_about() -> None:
    citations = write_story(brief_for(CITATIONS, "SPECTER: Citation-informed Transformers"))
    clinical = write_story(brief_for(CLINICAL, "Early Sepsis Detection for Hospital Patients"))
    assert "web" in {p.motif for p in citations.panels}
    assert "heart" in {p.motif for p in clinical.panels}
    assert [p.scene for p in citations.panels] != [p.scene for p in clinical.panels]


def test_the_key_figure_goes_into_the_idea_or_result_panel() -> None:
    overview = _figure(1, "Figure 1: Overview of the architecture of our method.")
    plot = _figure(2, "Figure 2: Results on the benchmark compared to baselines.")
    script = write_story(brief_for(CITATIONS, "SPECTER", figures=[plot, overview]))
    shown = [p for p in script.panels if p.figure is not None]
    assert [(p.role, p.figure) for p in shown] == [("idea", 1)]
    assert "on the left" in shown[0].scene and "Figure 1" in shown[0].dialogue[0].text
    only_plot = write_story(brief_for(CITATIONS, "SPECTER", figures=[plot]))
    assert [(p.role, p.figure) for p in only_plot.panels if p.figure] == [("result", 2)]
    assert "Figure 2" in only_plot.alt_text


AWARD_WORDS = {"best paper", "runner-up", "honorable mention", "test of time"}


@pytest.mark.parametrize(
    ("award", "named"),
    [
        (AwardKind.BEST_PAPER, "best paper"),
        (AwardKind.RUNNER_UP, "runner-up"),
        (AwardKind.HONORABLE_MENTION, "honorable mention"),
        (AwardKind.TEST_OF_TIME, "test of time"),
    ],
)
def test_dialogue_names_only_the_award_won(award: AwardKind, named: str) -> None:
    script = write_story(brief_for(CITATIONS, "SPECTER", award=award), panels=6)
    setup = script.panels[0]
    assert setup.role == "setup" and named in setup.caption.lower().replace("test-of-time", "test of time")
    words = " ".join(d.text for p in script.panels for d in p.dialogue).lower().replace("-of-", " of ")
    assert not [other for other in AWARD_WORDS - {named} if other in words]


def test_the_checks_catch_a_contradicting_line() -> None:
    brief = brief_for(CITATIONS, "SPECTER", award=AwardKind.RUNNER_UP)
    panel = ComicPanel(
        scene="Pip cheers",
        caption="Existing models lack a signal of relatedness between whole papers.",
        role="problem",
        claims=["c3"],
        dialogue=[DialogueLine(speaker="Pip", text="A best paper? It works! Look at that: 99.9!")],
    )
    problems = " ".join(dialogue_problems(panel, brief, "panel 2"))
    assert "best paper" in problems and "celebrates" in problems and "99.9" in problems


def test_only_verified_claims_and_their_numbers_reach_the_script() -> None:
    summary = make_summary(["We propose a gate after attention."], ["It removes the attention sink."])
    summary.why_it_matters[0].issues = ["number 42 does not appear in the paper"]
    brief = brief_for(summary, TITLE)
    assert list(brief.claims) == ["c1"]
    script = write_story(brief)
    assert "attention sink" not in " ".join([p.caption for p in script.panels] + [script.alt_text])
    invented = script.panels[-1].model_copy(
        update={"caption": "It improves accuracy by 42 points.", "claims": ["c2"]}
    )
    bad = ComicScript(title=TITLE, panels=[*script.panels[:-1], invented], alt_text="A comic.")
    assert any("not verified claims" in p for p in script_problems(bad, brief))


def test_script_is_deterministic(large_summary: PaperSummary) -> None:
    assert script_from_summary(large_summary, TITLE, panels=5) == script_from_summary(
        large_summary, TITLE, panels=5
    )


@pytest.mark.parametrize("panels", [0, 2, 7, 12])
def test_panel_count_out_of_range_is_rejected(small_summary: PaperSummary, panels: int) -> None:
    with pytest.raises(ValueError, match="3-6 panels"):
        script_from_summary(small_summary, TITLE, panels=panels)


@pytest.mark.parametrize("count", [0, 12])
def test_model_rejects_0_or_12_panels(count: int) -> None:
    panel = ComicPanel(scene="Pip waves", caption="Hello")
    with pytest.raises(ValidationError):
        ComicScript(title="t", panels=[panel] * count)


def test_without_a_verified_claim_the_comic_says_so_and_keeps_to_the_title() -> None:
    summary = make_summary(["We propose a gate."], ["It removes the sink."])
    for claim in summary.claims():
        claim.issues = ["its quote is not in the paper"]
    brief = brief_for(summary, TITLE, award=AwardKind.BEST_PAPER)
    script = write_story(brief)
    assert [p.role for p in script.panels] == ["setup", "note", "award"]
    assert "could not be checked" in script.panels[1].caption and script_problems(script, brief) == []
    assert "removes the sink" not in " ".join(p.caption for p in script.panels)
