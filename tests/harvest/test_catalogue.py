"""The catalogue of past conferences: every manifest is clean, matches awards.json, and regenerates.

The manifests are built from `../shared/awards/awards.json` by `scripts/build_manifests.py`; tests
that need that file skip where it is absent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.settings import CONFERENCES_DIR
from scripts.build_manifests import main as build_manifests
from scripts.build_manifests import normalise_title
from tasks.harvest.errors import ManifestError
from tasks.harvest.manifest import load_conference, load_manifest
from tasks.models import ARXIV_NEW_RE, ARXIV_OLD_RE, OPENREVIEW_RE, AwardKind, Conference

ROOT = Path(__file__).resolve().parents[2]
AWARDS_JSON = ROOT.parent / "shared" / "awards" / "awards.json"
SCRIPT = ROOT / "scripts" / "build_manifests.py"
CATALOGUE = (
    *("neurips-2023", "neurips-2024", "neurips-2025", "icml-2023", "icml-2024", "icml-2025"),
    *("iclr-2024", "iclr-2025", "cvpr-2024", "cvpr-2025", "acl-2025"),
)
MANIFESTS = sorted(CONFERENCES_DIR.glob("*.yaml"))


@pytest.fixture(scope="module")
def awards() -> dict[str, Any]:
    if not AWARDS_JSON.is_file():
        pytest.skip(f"award lists not found at {AWARDS_JSON}")
    return json.loads(AWARDS_JSON.read_text(encoding="utf-8"))


def _arxiv_well_formed(arxiv: str) -> bool:
    if ARXIV_OLD_RE.match(arxiv):
        return True
    if not ARXIV_NEW_RE.match(arxiv):
        return False
    yymm, number = arxiv.split("v")[0].split(".")
    return len(number) == (5 if int(yymm) >= 1501 else 4)


def _assert_clean(conference: Conference) -> None:
    where = conference.slug
    titles = [normalise_title(e.title) for e in conference.entries]
    assert len(titles) == len(set(titles)), f"{where}: duplicate titles"
    paper_ids = [e.paper_id for e in conference.entries]
    assert len(paper_ids) == len(set(paper_ids)), f"{where}: duplicate paper ids"
    for kind in ("arxiv", "openreview", "doi"):
        values = [v for e in conference.entries if (v := getattr(e.ids, kind))]
        assert len(values) == len(set(values)), f"{where}: duplicate {kind} ids"
    for entry in conference.entries:
        what = f"{where}: {entry.title!r}"
        assert entry.award.value in {kind.value for kind in AwardKind}, what
        assert entry.ids.arxiv is None or _arxiv_well_formed(entry.ids.arxiv), what
        assert entry.ids.openreview is None or OPENREVIEW_RE.match(entry.ids.openreview), what
        assert entry.sources or conference.sources, f"{what}: no source"
        if entry.confidence == "low":
            assert entry.needs_review, f"{what}: low confidence but not marked needs_review"


@pytest.mark.parametrize("path", MANIFESTS, ids=[p.stem for p in MANIFESTS])
def test_every_manifest_validates_and_is_clean(path: Path) -> None:
    _assert_clean(load_manifest(path))


def test_the_catalogue_matches_awards_json(awards: dict[str, Any]) -> None:
    assert set(CATALOGUE) <= set(awards)
    for slug, record in awards.items():
        conference = load_conference(slug, CONFERENCES_DIR)
        assert len(conference.entries) == len(record["papers"]), slug
        listed = {normalise_title(p["title"]) for p in record["papers"]}
        assert {normalise_title(e.title) for e in conference.entries} == listed, slug


def test_the_committed_manifests_are_what_the_generator_writes(awards: dict[str, Any]) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout's modules, not an installed copy
    )
    assert result.returncode == 0, f"stale manifests, re-run {SCRIPT.name}:\n{result.stdout}{result.stderr}"


def test_reconciled_neurips_2025_keeps_curated_fields_and_paper_ids() -> None:
    conference = load_conference("neurips-2025", CONFERENCES_DIR)
    by_id = {e.paper_id: e for e in conference.entries}
    mistakes = by_id["EoebmBe9fG"]  # arXiv id added later: the paper id stays pinned
    assert mistakes.id == "EoebmBe9fG" and mistakes.ids.arxiv == "2512.12567"
    assert by_id["2505.06708"].links.code == ["https://github.com/qiuzh20/gated_attention"]
    assert by_id["2505.06708"].note and by_id["2505.06708"].note.startswith("Qwen Team")
    assert by_id["2510.22954"].track == "Datasets & Benchmarks"
    assert conference.entries[-1].award == AwardKind.TEST_OF_TIME


# --------------------------------------------------------------------------- bad manifests


def _manifest(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(body, encoding="utf-8")
    return path


HEAD = (
    "slug: icml-2024\nname: ICML 2024\nyear: 2024\nentries:\n  - {title: A fine paper, award: best paper}\n"
)


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        (
            "icml-2999",
            "slug: icml-2999\nname: ICML 2999\nyear: 2999\nentries: []\n",
            ["year 2999 is in the future"],
        ),
        ("icml-2024", HEAD + "  - {title: Poster, award: best poster}\n", ["entry 2 ('Poster') field award"]),
        (
            "icml-2024",
            HEAD + "  - {title: One, award: best paper, ids: {arxiv: '2404.02905'}}\n"
            "  - {title: Two, award: runner-up, ids: {arxiv: '2404.02905'}}\n",
            ["duplicate paper id '2404.02905'", "'One' and 'Two'"],
        ),
        (
            "icml-2024",
            HEAD + "  - {title: Nobody, award: best paper, authors: []}\n",
            ["entry 2 ('Nobody') field authors", "empty author list"],
        ),
        (
            "icml-2024",
            HEAD + "  - {title: Short id, award: best paper, ids: {arxiv: '2404.0290'}}\n",
            ["entry 2 ('Short id') field ids.arxiv", "'2404.0290'"],
        ),
        (
            "icml-2023",
            HEAD,
            ["slug 'icml-2024' does not match the file name 'icml-2023'"],
        ),
    ],
    ids=["future-year", "unknown-award", "duplicate-paper", "empty-authors", "short-arxiv", "slug-vs-file"],
)
def test_bad_manifests_name_the_file_and_the_entry(
    tmp_path: Path, name: str, body: str, expected: list[str]
) -> None:
    path = _manifest(tmp_path, name, body)
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    message = str(info.value)
    assert str(path) in message
    for part in expected:
        assert part in message


# --------------------------------------------------------------------------- the generator


def _paper(title: str, **fields: Any) -> dict[str, Any]:
    paper = {"title": title, "authors": ["A. Person"], "award": "best paper", "track": None}
    paper |= {"arxiv": None, "openreview": None, "doi": None, "confirmed_by": ["https://example.org/a"]}
    return paper | {"confidence": "high"} | fields


def _generate(tmp_path: Path, awards: dict[str, Any], *extra: str) -> tuple[int, Path]:
    awards_path = tmp_path / "awards.json"
    awards_path.write_text(json.dumps(awards), encoding="utf-8")
    out = tmp_path / "conferences"
    out.mkdir(exist_ok=True)
    return build_manifests(["--awards", str(awards_path), "--out", str(out), *extra]), out


def _entries(out: Path, slug: str) -> dict[str, Any]:
    conference = load_manifest(out / f"{slug}.yaml")
    _assert_clean(conference)
    raw = yaml.safe_load((out / f"{slug}.yaml").read_text(encoding="utf-8"))
    return {e["title"]: e for e in raw["entries"]}


def test_generator_flags_what_needs_review(tmp_path: Path) -> None:
    papers = [
        _paper("Clean", arxiv="2401.00001", track="main"),
        _paper("Low", arxiv="2401.00002", confidence="low"),
        _paper("Disputed", arxiv="2401.00003", note="Title spelled two ways; kept the proceedings'."),
        _paper("Unknown authors", arxiv="2401.00004", authors=None),
        _paper("No id"),
    ]
    code, out = _generate(tmp_path, {"icml-2024": {"sources": ["https://icml.cc"], "papers": papers}})
    assert code == 0
    entries = _entries(out, "icml-2024")
    assert "needs_review" not in entries["Clean"] and entries["Clean"]["track"] == "Main"
    assert all(entries[t]["needs_review"] for t in ("Low", "Disputed", "Unknown authors", "No id"))
    assert "authors" not in entries["Unknown authors"]
    assert _generate(tmp_path, {"icml-2024": {"sources": [], "papers": papers}}, "--check")[0] == 0


def test_generator_drops_bad_fields_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    papers = [
        _paper("Short id", arxiv="2404.0290"),
        _paper("Nobody", arxiv="2401.00001", authors=[]),
        _paper("First", arxiv="2401.00002"),
        _paper("Second", arxiv="2401.00002", openreview="AbCdEf1234"),
        _paper("First", award="runner-up"),
    ]
    code, out = _generate(tmp_path, {"icml-2024": {"sources": [], "papers": papers}})
    assert code == 0
    warnings = capsys.readouterr().err
    assert "icml-2024: 'Short id': dropped arxiv id '2404.0290'" in warnings
    assert "icml-2024: 'Nobody': dropped authors []" in warnings
    assert "icml-2024: 'Second': dropped arxiv id '2401.00002': also given for 'First'" in warnings
    assert "icml-2024: 'First': dropped a second listing ('runner-up')" in warnings
    entries = _entries(out, "icml-2024")
    assert len(entries) == 4
    assert "ids" not in entries["Short id"] and "Dropped arxiv id '2404.0290'" in entries["Short id"]["note"]
    assert "authors" not in entries["Nobody"]
    assert entries["Second"]["ids"] == {"openreview": "AbCdEf1234"}
    assert all(e["needs_review"] for e in entries.values())
    assert _generate(tmp_path, {"icml-2024": {"sources": [], "papers": papers}}, "--check")[0] == 0


@pytest.mark.parametrize(
    ("slug", "paper", "expected"),
    [
        ("icml-2024", _paper("Poster", award="best poster"), "icml-2024: 'Poster': unknown award kind"),
        ("icml-2999", _paper("Later"), "icml-2999: the manifest does not validate"),
        ("icml", _paper("No year"), "icml: not a conference slug"),
    ],
    ids=["unknown-award", "future-year", "bad-slug"],
)
def test_generator_refuses_what_it_cannot_drop(
    tmp_path: Path, capsys: pytest.CaptureFixture, slug: str, paper: dict[str, Any], expected: str
) -> None:
    code, out = _generate(tmp_path, {slug: {"sources": [], "papers": [paper]}})
    assert code == 2 and expected in capsys.readouterr().err
    assert not list(out.glob("*.yaml"))


def test_generator_reconciles_with_a_curated_manifest(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "conferences"
    out.mkdir()
    curated = _manifest(
        out,
        "neurips-2025",
        "slug: neurips-2025\nname: NeurIPS 2025\nyear: 2025\nentries:\n"
        "  - title: Don't Memorize\n    award: best paper\n    track: Main\n    note: Curated.\n"
        "    ids: {openreview: EoebmBe9fG}\n    links: {code: ['https://github.com/x/y']}\n"
        "  - {title: Only here, award: runner-up, authors: [B. Person]}\n",
    )
    papers = [
        _paper("Test of time", award="test of time", arxiv="1506.01497"),
        _paper("Don’t  memorize", arxiv="2512.12567", track="main", paper_url="https://example.org/p"),
    ]
    awards = {"neurips-2025": {"sources": ["https://blog.neurips.cc"], "papers": papers}}
    assert _generate(tmp_path, awards)[0] == 0
    assert "'Only here' is not in awards.json" in capsys.readouterr().err
    raw = yaml.safe_load(curated.read_text(encoding="utf-8"))
    assert [e["title"] for e in raw["entries"]] == ["Don't Memorize", "Only here", "Test of time"]
    kept = raw["entries"][0]
    assert kept["id"] == "EoebmBe9fG" and kept["ids"] == {"arxiv": "2512.12567", "openreview": "EoebmBe9fG"}
    assert kept["note"] == "Curated." and kept["track"] == "Main"
    assert kept["links"] == {"paper": "https://example.org/p", "code": ["https://github.com/x/y"]}
    assert kept["sources"] == ["https://example.org/a"] and raw["sources"] == ["https://blog.neurips.cc"]
    assert [e.paper_id for e in load_manifest(curated).entries] == ["EoebmBe9fG", "only-here", "1506.01497"]
    assert _generate(tmp_path, awards, "--check")[0] == 0
    curated.write_text(curated.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _generate(tmp_path, awards, "--check")[0] == 1
    assert f"would change: {curated}" in capsys.readouterr().out
