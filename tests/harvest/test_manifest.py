"""Award manifests: the shipped ones validate; bad ones fail with the file and entry named."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import CONFERENCES_DIR
from tasks.harvest.errors import HarvestError, ManifestError, UnknownConferenceError
from tasks.harvest.manifest import known_slugs, load_conference, load_manifest, select_entries
from tasks.models import AwardKind


def test_neurips_2025_has_the_seven_announced_papers() -> None:
    conf = load_conference("neurips-2025", CONFERENCES_DIR)
    assert len(conf.entries) == 8
    kinds = [e.award for e in conf.entries]
    assert kinds.count(AwardKind.BEST_PAPER) == 4 and kinds.count(AwardKind.RUNNER_UP) == 3
    assert kinds.count(AwardKind.TEST_OF_TIME) == 1
    by_id = {e.paper_id: e for e in conf.entries}
    assert by_id["2505.06708"].links.code == ["https://github.com/qiuzh20/gated_attention"]
    assert by_id["2503.14858"].ids.openreview == "s0JVsx3bx1"
    assert by_id["EoebmBe9fG"].id == "EoebmBe9fG"  # pinned when awards.json added its arXiv id
    assert by_id["2510.22954"].track == "Datasets & Benchmarks"
    assert by_id["2504.13837"].authors.count("Yang Yue") == 2


def test_every_shipped_manifest_validates() -> None:
    slugs = known_slugs(CONFERENCES_DIR)
    assert "neurips-2025" in slugs
    for slug in slugs:
        assert load_conference(slug, CONFERENCES_DIR).slug == slug


def test_unknown_slug_names_the_slug_and_the_known_ones() -> None:
    with pytest.raises(UnknownConferenceError, match=r"'neurips-1999'.*known: .*neurips-2025"):
        load_conference("neurips-1999", CONFERENCES_DIR)
    with pytest.raises(UnknownConferenceError, match="not a conference slug"):
        load_conference("../etc/passwd", CONFERENCES_DIR)


def _write(tmp_path: Path, slug: str, body: str) -> Path:
    path = tmp_path / f"{slug}.yaml"
    path.write_text(body)
    return path


def test_missing_title_names_file_and_entry(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "icml-2024",
        "slug: icml-2024\nname: ICML 2024\nyear: 2024\nentries:\n"
        "  - {title: A good paper, award: best paper}\n"
        "  - {award: best paper, authors: [A. Person]}\n",
    )
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    message = str(info.value)
    assert str(path) in message and "entry 2" in message and "title" in message


def test_slug_must_match_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "icml-2024", "slug: icml-2023\nname: x\nyear: 2023\nentries: []\n")
    with pytest.raises(ManifestError, match="does not match the file name"):
        load_manifest(path)


def test_yaml_errors_name_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "icml-2024", "slug: [unclosed\n")
    with pytest.raises(ManifestError, match="icml-2024.yaml: not valid YAML"):
        load_manifest(path)
    path.write_text("- just\n- a list\n")
    with pytest.raises(ManifestError, match="expected a mapping"):
        load_manifest(path)


def test_select_entries_by_prefixed_ids() -> None:
    conf = load_conference("neurips-2025", CONFERENCES_DIR)
    chosen = select_entries(conf, ["arxiv:2505.06708", "openreview:EoebmBe9fG"])
    assert [e.paper_id for e in chosen] == ["2505.06708", "EoebmBe9fG"]
    assert select_entries(conf, None) == conf.entries
    with pytest.raises(HarvestError, match="no entry with id 9999.99999"):
        select_entries(conf, ["arxiv:9999.99999"])
