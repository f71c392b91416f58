"""Domain models: JSON round-trips and the validation rules the pipeline relies on."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tasks.models import (
    Author,
    AwardEntry,
    AwardKind,
    Caption,
    Claim,
    ComicMeta,
    ComicPanel,
    ComicScript,
    Conference,
    DialogueLine,
    Digest,
    Evidence,
    PaperIds,
    PaperResult,
    PaperStatus,
    PaperSummary,
    ParsedPaper,
    Reference,
    Section,
    StageName,
    StageState,
    StageStatus,
    slugify,
)


def _entry(**kw: object) -> AwardEntry:
    data: dict[str, object] = {"title": "Superposition Yields Robust Neural Scaling", "award": "runner-up"}
    data.update(kw)
    return AwardEntry.model_validate(data)


def _summary() -> PaperSummary:
    claim = Claim(
        text="We show X.", evidence=[Evidence(quote="We show X.", location="Abstract", verified=True)]
    )
    return PaperSummary(what_was_done=[claim], why_it_matters=[claim], tldr="X.", generator="extractive")


def test_every_model_round_trips_through_json() -> None:
    parsed = ParsedPaper(
        title="T",
        authors=[Author(name="Ada Lovelace", affiliations=["Analytical Engines Ltd"])],
        abstract="A.",
        sections=[Section(heading="Introduction", number="1", paragraphs=["p1", "p2"])],
        captions=[Caption(kind="figure", label="Figure 1", text="c", page=2)],
        references=[Reference(raw="R", year=2020)],
        urls=["https://github.com/x/y"],
        page_count=3,
        parser="local",
        parser_version="1",
    )
    script = ComicScript(
        title="t",
        panels=[ComicPanel(scene="s", caption="c", dialogue=[DialogueLine(speaker="Pip", text="hi")])] * 4,
    )
    meta = ComicMeta(script=script, renderer="sketch", seed=1, width=10, height=10, fallback=True)
    conf = Conference(
        slug="neurips-2025", name="NeurIPS 2025", year=2025, entries=[_entry(ids={"arxiv": "2505.10465"})]
    )
    result = PaperResult(
        paper_id="2505.10465",
        entry=conf.entries[0],
        status=PaperStatus.DONE,
        stages={StageName.PARSE: StageStatus(state=StageState.CACHED)},
        summary=_summary(),
    )
    digest = Digest(conference=conf, results=[result], notices=["n"])
    for obj in (parsed, script, meta, conf, result, digest, _summary()):
        assert type(obj).model_validate_json(obj.model_dump_json()) == obj


@pytest.mark.parametrize(
    ("ids", "paper_id"),
    [
        ({"arxiv": "2505.06708v2"}, "2505.06708"),
        ({"arxiv": "astro-ph/0601001"}, "astro-ph_0601001"),
        ({"openreview": "EoebmBe9fG"}, "EoebmBe9fG"),
        ({"doi": "10.18653/v1/2020.acl-main.207"}, "10-18653-v1-2020-acl-main-207"),
        ({}, "superposition-yields-robust-neural-scaling"),
    ],
)
def test_paper_id_is_a_safe_key_segment(ids: dict[str, str], paper_id: str) -> None:
    assert _entry(ids=ids).paper_id == paper_id


@pytest.mark.parametrize(
    ("field", "value"),
    [("arxiv", "2404.0290"), ("arxiv", "abc"), ("openreview", "a/b"), ("doi", "not-a-doi")],
)
def test_malformed_ids_are_rejected(field: str, value: str) -> None:
    with pytest.raises(ValidationError, match="malformed"):
        PaperIds.model_validate({field: value})


def test_entry_needs_a_title_and_a_known_award() -> None:
    with pytest.raises(ValidationError, match="title"):
        AwardEntry.model_validate({"award": "best paper"})
    with pytest.raises(ValidationError, match="award"):
        _entry(award="best vibes")
    assert _entry(award="test of time").award is AwardKind.TEST_OF_TIME


def test_conference_rejects_duplicate_papers_and_bad_slugs() -> None:
    e = _entry(ids={"arxiv": "2505.10465"})
    with pytest.raises(ValidationError, match="duplicate paper id"):
        Conference(slug="neurips-2025", name="N", year=2025, entries=[e, e])
    with pytest.raises(ValidationError, match="slug"):
        Conference(slug="NeurIPS 2025", name="N", year=2025, entries=[e])


def test_comic_script_panel_bounds() -> None:
    panel = ComicPanel(scene="s", caption="c")
    with pytest.raises(ValidationError, match="3-6 panels"):
        ComicScript(title="t", panels=[])
    with pytest.raises(ValidationError, match="3-6 panels"):
        ComicScript(title="t", panels=[panel] * 12)
    with pytest.raises(ValidationError):
        ComicPanel(scene="s", caption="   ")


def test_claim_is_verified_only_with_all_evidence_verified() -> None:
    assert not Claim(text="x").verified
    assert not Claim(text="x", evidence=[Evidence(quote="q", verified=True), Evidence(quote="r")]).verified
    assert Claim(text="x", evidence=[Evidence(quote="q", verified=True)]).verified


def test_slugify() -> None:
    assert (
        slugify("Why Diffusion Models Don't Memorize: Ça va?") == "why-diffusion-models-don-t-memorize-ca-va"
    )
    assert slugify("!!!") == "untitled"


def test_empty_author_list_is_rejected_but_unknown_authors_are_allowed() -> None:
    with pytest.raises(ValidationError, match="empty author list"):
        _entry(authors=[])
    assert _entry(authors=None).authors is None


def test_pinned_id_wins_and_is_validated() -> None:
    assert _entry(id="EoebmBe9fG", ids={"arxiv": "2512.12567"}).paper_id == "EoebmBe9fG"
    with pytest.raises(ValidationError, match="paper id"):
        _entry(id="../x")


def test_conference_year_checks() -> None:
    e = _entry()
    with pytest.raises(ValidationError, match="in the future"):
        Conference(slug="neurips-2999", name="N", year=2999, entries=[e])
    with pytest.raises(ValidationError, match="does not end with its year"):
        Conference(slug="neurips-2024", name="N", year=2023, entries=[e])
