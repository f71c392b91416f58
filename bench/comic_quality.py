"""Comic quality over the fixture conference: what each script shows, and how alike the comics are.

    .venv/bin/python bench/comic_quality.py                 # the four fixture papers (fixtures-2020)
    .venv/bin/python bench/comic_quality.py --corpus        # and the 13 corpus papers, as one more set
    .venv/bin/python bench/comic_quality.py --out /tmp/pages  # also draw the pages (sketch) to look at

Per paper: panels, the scene of each panel (role:motif), figure panels, captions that end at a
sentence or clause boundary, alt-text length, and dialogue/award consistency (the rules of
tasks/comic/script/checks.py). Per set: how many distinct scene sequences its papers got. Papers are
parsed by the local parser and summarized by the extractive summarizer, as a run without GROBID
or an LLM does; the script is the content-aware story writer's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.comic.page.figures import extract_figures
from tasks.comic.script.brief import brief_for
from tasks.comic.script.captions import ends_at_boundary
from tasks.comic.script.checks import dialogue_problems, script_problems
from tasks.comic.script.story import write_story
from tasks.models import AwardKind
from tasks.parse.local import parse_pdf_bytes
from tasks.summarize.extractive import summarize_extractive

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures"


def fixture_conference() -> list[tuple[str, str, AwardKind, Path]]:
    """(paper id, title, award, PDF) of the fixtures-2020 conference (tests/data/conferences)."""
    from tasks.harvest.manifest import load_conference
    from tests.fixture_conference import CONFERENCES, PDF_BY_TITLE_START, SLUG

    papers = []
    for entry in load_conference(SLUG, CONFERENCES).entries:
        name = next(f for start, f in PDF_BY_TITLE_START.items() if entry.title.startswith(start))
        papers.append((entry.paper_id, entry.title, entry.award, FIXTURES / "pdfs" / name))
    return papers


def corpus() -> list[tuple[str, str, AwardKind, Path]]:
    truth = json.loads((FIXTURES / "corpus" / "truth.json").read_text(encoding="utf-8"))
    kinds = [AwardKind.BEST_PAPER, AwardKind.RUNNER_UP, AwardKind.HONORABLE_MENTION, AwardKind.TEST_OF_TIME]
    return [
        (
            Path(name).stem,
            str(truth[name]["title"]),
            kinds[i % len(kinds)],
            FIXTURES / "corpus" / "pdfs" / name,
        )
        for i, name in enumerate(sorted(truth))
    ]


def measure(papers: list[tuple[str, str, AwardKind, Path]], out: Path | None) -> list[tuple[str, ...]]:
    """Print one line per paper; return each paper's scene sequence."""
    sequences = []
    print(f"{'paper':<32} {'award':<18} pan  figs  boundary  alt  dialogue  scenes")
    for pid, title, award, pdf in papers:
        data = pdf.read_bytes()
        parsed = parse_pdf_bytes(data, pdf.name)
        summary = summarize_extractive(parsed)
        figures = extract_figures(data, source=pdf.name, captions=parsed.captions)
        brief = brief_for(
            summary, title, award=award, figures=[f.ref for f in figures.figures], parsed=parsed
        )
        script = write_story(brief)
        panels = script.panels
        at_boundary = sum(ends_at_boundary(p.caption) for p in panels)
        talk = [p for i, p in enumerate(panels, 1) for p in dialogue_problems(p, brief, f"panel {i}")]
        other = [p for p in script_problems(script, brief) if p not in talk]
        shown = [
            f"{p.role}:{p.motif or ('fig' + str(p.figure) if p.figure else 'callout' if p.callout else '-')}"
            for p in panels
        ]
        sequences.append(tuple(p.scene for p in panels))
        dialogue = "ok" if not talk else f"{len(talk)} bad"
        figure_panels = sum(p.figure is not None for p in panels)
        print(
            f"{pid[:32]:<32} {award.value[:18]:<18} {len(panels):>3}  {figure_panels:>4}"
            f"  {at_boundary:>4}/{len(panels):<3}  {len(script.alt_text):>3}  {dialogue:<8}  "
            + " ".join(shown)
        )
        for problem in [*talk, *other]:
            print(f"{'':<34}! {problem}")
        if out is not None:
            _draw(out, pid, summary, title, award, figures, parsed)
    return sequences


def _draw(
    out: Path, pid: str, summary: object, title: str, award: AwardKind, figures: object, parsed: object
) -> None:
    from tasks.comic.draw import draw_comic

    out.mkdir(parents=True, exist_ok=True)
    comic = draw_comic(
        summary,
        paper_title=title,
        paper_id=pid,
        renderer="sketch",
        award=award,
        figures=figures,
        parsed=parsed,  # type: ignore[arg-type]
    )
    (out / f"{pid}.png").write_bytes(comic.png)
    (out / f"{pid}-mobile.webp").write_bytes(comic.mobile_webp)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", action="store_true", help="also the 13 papers of ../shared/fixtures/corpus")
    ap.add_argument("--out", type=Path, help="draw every page (sketch renderer) into this folder")
    args = ap.parse_args()
    if not FIXTURES.is_dir():
        sys.exit(f"the shared fixtures are not at {FIXTURES}")
    sets = [("fixtures-2020 (the fixture conference)", fixture_conference())]
    if args.corpus:
        sets.append(("corpus (13 papers, award kinds assigned in turn)", corpus()))
    for name, papers in sets:
        started = time.perf_counter()
        print(f"\n== {name}")
        sequences = measure(papers, args.out)
        distinct = len(set(sequences))
        print(
            f"-- distinct scene sequences: {distinct} of {len(sequences)} papers"
            f" ({time.perf_counter() - started:.1f} s)"
        )


if __name__ == "__main__":
    main()
