"""Backfill specs: slugs, venue:year ranges, --all; gaps and typos are errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.harvest.catalogue import expand_specs
from tasks.harvest.errors import HarvestError


@pytest.fixture
def conferences(tmp_path: Path) -> Path:
    for slug in ("neurips-2023", "neurips-2024", "neurips-2025", "icml-2024"):
        (tmp_path / f"{slug}.yaml").write_text("")
    return tmp_path


def test_ranges_slugs_and_all(conferences: Path) -> None:
    assert expand_specs(["neurips:2023-2025"], conferences) == [
        "neurips-2023",
        "neurips-2024",
        "neurips-2025",
    ]
    assert expand_specs(["icml:2024", "neurips-2024", "neurips:2024"], conferences) == [
        "icml-2024",
        "neurips-2024",
    ]
    assert len(expand_specs([], conferences, all_known=True)) == 4


def test_a_range_with_a_gap_names_the_missing_years(conferences: Path) -> None:
    with pytest.raises(HarvestError, match=r"no manifest for neurips-2021, neurips-2022"):
        expand_specs(["neurips:2021-2024"], conferences)


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["neurips:2025-2023"], "ends before it starts"),
        (["nips-2024"], "unknown conference 'nips-2024'"),
        ([], "no conferences given"),
    ],
)
def test_bad_specs(conferences: Path, specs: list[str], message: str) -> None:
    with pytest.raises(HarvestError, match=message):
        expand_specs(specs, conferences)


def test_all_and_specs_together_is_an_error(conferences: Path) -> None:
    with pytest.raises(HarvestError, match="not both"):
        expand_specs(["neurips-2024"], conferences, all_known=True)
