"""Adding a backend is one module and one registry line (issue 25): a toy parser, registered here,
is a valid setting, is built once into the run's backends, and runs the real parse and summarize
stages in a real flow, with its identity in the stage's cache key and nothing else changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from config import backends
from config.settings import get_settings
from tasks.models import AwardEntry, AwardKind, ParsedPaper
from tasks.stage_cache import identity_id
from tasks.store import open_store, paper_key

PDF = "literature_graph_N18-3011.pdf"


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> None:
    # The one line: in config/backends.py's REGISTRY this is `"toy": "tests.parse.toy_parser:build"`.
    monkeypatch.setitem(backends.REGISTRY["parser"], "toy", "tests.parse.toy_parser:build")


def test_a_registered_backend_is_a_setting_and_an_unknown_one_is_refused(toy: None) -> None:
    assert "toy" in backends.choices("parser")
    assert get_settings().with_values(**{"parse.parser": "toy"}).parse.parser == "toy"
    with pytest.raises((ValidationError, ValueError), match="toy"):  # the error lists what is known
        get_settings().with_values(**{"parse.parser": "no-such-parser"})


def test_the_toy_parser_runs_the_real_stages(
    toy: None, prefect_harness: None, fixtures_dir: Path, tmp_path: Path
) -> None:
    from prefect import flow

    from tasks.backends import backends_for
    from tasks.stages import PaperWork, parse_paper, summarize_paper

    settings = get_settings().with_values(
        **{"store.uri": str(tmp_path / "store"), "parse.parser": "toy", "llm.model": None}
    )
    store = open_store(str(tmp_path / "store"))
    stored = store.put(paper_key("conf-2026", "p1", "paper.pdf"), (fixtures_dir / "pdfs" / PDF).read_bytes())

    @flow
    def one_paper(s: Any) -> Any:
        run = backends_for(s)  # built once: the stages are handed the toy, never choose again
        assert run.parser.parser.name == "toy"
        work = PaperWork("conf-2026", AwardEntry(id="p1", title="T", award=AwardKind.BEST_PAPER), pdf=stored)
        parsed = parse_paper.fn(work, run)
        work = work.with_outputs(parsed.outputs)
        return parsed, summarize_paper.fn(work, run)

    parsed, summary = one_paper(settings)
    paper = ParsedPaper.model_validate_json(store.get(parsed.outputs["parsed.json"].key))
    assert paper.parser == "toy" and paper.page_count > 1
    assert "Semantic Scholar" in paper.sections[0].paragraphs[0]
    assert parsed.identity == identity_id(("toy", "1")) and not parsed.stand_in
    assert "summary.json" in summary.outputs
