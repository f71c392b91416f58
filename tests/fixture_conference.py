"""The `fixtures-2020` test conference: its manifest and a papers folder of the real fixture PDFs."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tasks.harvest.manifest import load_conference

CONFERENCES = Path(__file__).resolve().parent / "data" / "conferences"
SLUG = "fixtures-2020"
PDF_BY_TITLE_START = {
    "SPECTER": "specter_2020.acl-main.207.pdf",
    "Construction of the Literature Graph": "literature_graph_N18-3011.pdf",
    "PaperMage": "papermage_emnlp2023_demo.pdf",
    "An Improved Multi-Output": "futoma2017_mgp_rnn_1708.05894v1.pdf",
}


def stage_papers(fixtures_dir: Path, dest: Path, *, only: set[str] | None = None) -> dict[str, Path]:
    """Copy the fixture PDFs into dest as `<paper id>.pdf`; returns paper id -> path."""
    dest.mkdir(parents=True, exist_ok=True)
    staged: dict[str, Path] = {}
    for entry in load_conference(SLUG, CONFERENCES).entries:
        if only is not None and entry.paper_id not in only:
            continue
        source = next(f for start, f in PDF_BY_TITLE_START.items() if entry.title.startswith(start))
        target = dest / f"{entry.paper_id}.pdf"
        shutil.copyfile(fixtures_dir / "pdfs" / source, target)
        staged[entry.paper_id] = target
    return staged


# The two shortest fixture papers (8 and 12 pages): an end-to-end case over a whole deployment needs
# a conference, not four papers' worth of stage work.
SMALL = frozenset({"10-18653-v1-n18-3011", "1708.05894"})


def write_conference(dest: Path, *, only: frozenset[str] | set[str]) -> Path:
    """The fixture conference's manifest in dest, with only the entries whose paper id is in only."""
    dest.mkdir(parents=True, exist_ok=True)
    kept = {entry.title for entry in load_conference(SLUG, CONFERENCES).entries if entry.paper_id in only}
    body = yaml.safe_load((CONFERENCES / f"{SLUG}.yaml").read_text(encoding="utf-8"))
    body["entries"] = [entry for entry in body["entries"] if entry["title"] in kept]
    assert len(body["entries"]) == len(only), f"no such fixture papers: {sorted(only)}"
    path = dest / f"{SLUG}.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return path
