"""Award-page reading measured as it will be used: per document, and on venues it was not tuned on.

For every page of ../shared/fixtures/announcements (21 pages, 385 (paper, award) entries), served
as its site serves it, prints found / missed / extra, recall, precision, the candidates left to
review, and award-kind agreement, for four readings:

  structure          the page's structure alone, offline (no title-search service reachable)
  structure+confirm  the same, each candidate confirmed by title search (DBLP, Semantic Scholar,
                     OpenReview, ACL Anthology, arXiv: tests/harvest/replay.py's local servers,
                     which know the real titles of truth.json, `--coverage` of them)
  llm                the LLM reader (the real LangChain OpenAI client against
                     tests/summarize/openai_server.py; its answer per page is derived from truth,
                     see tests/harvest/announcement_pages.py llm_reader), held to the page, offline
  llm+confirm        the same, confirmed

first with the default ReaderParams, then LEAVE-ONE-VENUE-OUT: for each venue (a series: all IEEE
VIS years are one venue), the reader's weights and thresholds are chosen on the grid
tasks/harvest/announcements.py PARAM_GRID maximising the mean per-document F1 of every *other*
venue, and measured on that venue's pages.

Matching found vs truth: titles are normalised (tasks.harvest.resolve.normalise_title: lower-case
ASCII words; punctuation, accents, a stray quote or trailing full stop do not count); a found entry
matches a truth entry whose normalised title is equal, or near-equal (difflib ratio >= 0.92);
matching is one-to-one (a paper listed under two awards must be found twice), same award kind first.
Award-kind agreement (tasks.harvest.announcements.award_kind of both award texts) is counted over
the matched entries, separately. Only entries count as found; candidates left to review do not.

  python bench/announcements.py                 # the tables (about a minute on 2 cores)
  python bench/announcements.py --coverage 0.5  # services that know only half the titles
  python bench/announcements.py --scale [--before 3d1e5f6]  # seconds to read 0.5 / 1 / 2 / 4 MB pages
  python bench/announcements.py --before 3d1e5f6  # the reader of that commit, scored the same way
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.harvest.announcements import (  # noqa: E402
    PARAM_GRID,
    AnnouncedAwards,
    FoundPaper,
    ReaderParams,
    dedupe,
    found_paper,
    is_entry,
    param_grid,
)
from tasks.harvest.candidates import PageCandidate, find_candidates  # noqa: E402
from tasks.harvest.confirm import Confirmer  # noqa: E402
from tasks.harvest.feeds import ask_model, hold_to_page, page_text  # noqa: E402
from tests.harvest.announcement_pages import (  # noqa: E402
    Score,
    known_papers,
    llm_reader,
    page_html,
    pages,
    score,
    truth,
    venue,
)
from tests.harvest.replay import replay_server  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures"
MODES = ("structure", "structure+confirm", "llm", "llm+confirm")


@dataclass
class Page:
    """One page, read once: its candidates, the model's answer, the services' verdicts."""

    name: str
    html: str
    candidates: list[PageCandidate]
    llm: AnnouncedAwards | None = None
    text: str = ""
    verdicts: dict[str, str] = field(default_factory=dict)  # title -> confirmed / refuted / unknown

    def reading(self, mode: str, params: ReaderParams) -> list[FoundPaper]:
        papers = dedupe([found_paper(c, params) for c in self.candidates])
        if mode.startswith("llm"):
            assert self.llm is not None
            papers = hold_to_page(self.html, self.llm, params, structure=papers, text=self.text).papers
        if mode.endswith("+confirm"):
            papers = [
                p.model_copy(
                    update={"needs_review": not is_entry(p.strength, self.verdicts[p.title], params)}
                )
                for p in papers
            ]
        return papers


def load(coverage: float, with_llm: bool) -> list[Page]:
    """Every page read once, against the local title-search and LLM replay servers."""
    loaded = [Page(n, h, find_candidates(h)) for n in pages(FIXTURES) if (h := page_html(FIXTURES, n))]
    with tempfile.TemporaryDirectory() as tmp, replay_server(FIXTURES) as replay:
        replay.known = known_papers(FIXTURES, coverage)
        settings = replay.settings(Path(tmp), cache_dir=None)
        model = _replay_model(Path(tmp)) if with_llm else None
        with Confirmer(settings) as confirmer:
            for page in loaded:
                page.text = page_text(page.html)
                if model is not None:
                    page.llm = ask_model(model[0], page.text)
                titles = {c.title for c in page.candidates} | {
                    p.title for p in (page.llm.papers if page.llm else [])
                }
                page.verdicts = {t: confirmer.confirm(t).status for t in titles}
            print(f"title searches: {dict(replay.queries)}; services down: {confirmer.down or 'none'}")
        if model is not None:
            model[1].stop()
    return loaded


def _replay_model(tmp: Path) -> tuple[object, object]:
    from tasks.llm import StructuredCaller
    from tests.summarize.openai_server import ReplayServer
    from tests.summarize.replay import settings_for

    server = ReplayServer().start()
    server.state.answers["AnnouncedAwards"] = llm_reader(FIXTURES)
    return StructuredCaller(settings_for(server, tmp), "award announcement"), server


def run(loaded: list[Page], mode: str, choose: Callable[[str], ReaderParams]) -> dict[str, Score]:
    return {p.name: score(FIXTURES, p.name, p.reading(mode, choose(p.name))) for p in loaded}


def _distance(q: ReaderParams) -> float:
    default = ReaderParams()
    return sum(abs(getattr(q, k) - getattr(default, k)) for k in PARAM_GRID)


def leave_one_venue_out(loaded: list[Page], mode: str) -> tuple[dict[str, Score], dict[str, ReaderParams]]:
    """Each venue read with the grid point that has the best mean per-document F1 on all others."""
    grid = param_grid()
    scores = [run(loaded, mode, lambda _, q=q: q) for q in grid]  # type: ignore[misc]
    venues = {p.name: venue(FIXTURES, p.name) for p in loaded}
    chosen: dict[str, ReaderParams] = {}
    for v in sorted(set(venues.values())):
        train = [name for name, w in venues.items() if w != v]
        # Ties go to the grid point nearest the defaults: a prior, not a fit to the left-out venue.
        ranked = [
            (statistics.mean(per_doc[n].f1 for n in train), -_distance(q), -i)
            for i, (q, per_doc) in enumerate(zip(grid, scores, strict=True))
        ]
        chosen[v] = grid[-max(ranked)[2]]
    held_out = {name: scores[grid.index(chosen[w])][name] for name, w in venues.items()}
    return held_out, chosen


def table(title: str, results: dict[str, dict[str, Score]]) -> None:
    print(f"\n## {title}")
    head = "| page | venue | truth |" + "".join(
        f" {m}: found / missed / extra / review, R, P, kind |" for m in results
    )
    print(head)
    print("|" + "---|" * (3 + len(results)))
    totals = {m: Score() for m in results}
    for name in next(iter(results.values())):
        cells = []
        for m, per_doc in results.items():
            s = per_doc[name]
            totals[m].add(s)
            counts = f"{s.found} / {s.missed} / {s.extra} / {s.review}"
            cells.append(f"{counts}, {s.recall:.2f}, {s.precision:.2f}, {s.kinds}")
        n = len(truth(FIXTURES)[name]["awards"])
        print(f"| {name} | {venue(FIXTURES, name)} | {n} | " + " | ".join(cells) + " |")
    cells = [
        f"**{t.found} / {t.missed} / {t.extra} / {t.review}, {t.recall:.3f}, {t.precision:.3f}, "
        f"{t.kinds}/{t.found}**"
        for t in totals.values()
    ]
    print("| **total** | | | " + " | ".join(cells) + " |")
    for m, per_doc in results.items():
        worst = min(per_doc.items(), key=lambda kv: min(kv[1].recall, kv[1].precision))
        low = min(worst[1].recall, worst[1].precision)
        print(f"- {m}: lowest document {worst[0]} (min of R, P = {low:.2f})")


def remaining(results: dict[str, dict[str, Score]]) -> None:
    print("\n## Remaining misses and extras (leave-one-venue-out)")
    for mode, per_doc in results.items():
        for name, s in per_doc.items():
            for t in s.misses:
                print(f"- {mode} | {name} | missed | {t}")
            for t in s.extras:
                print(f"- {mode} | {name} | extra | {t}")


def scale(commit: str | None) -> None:
    """Seconds to read pages of empty paragraphs: linear in the size. Baselines in the same run:
    libxml2's parse alone, and with `--before COMMIT` that commit's reader (up to 1 MB: it is slow)."""
    import lxml.html

    from tasks.harvest.announcements import heuristic_awards

    old = old_reader(commit) if commit else None
    print(f"| page | MB | read s | MB/s | libxml2 parse alone s |{' before s |' if old else ''}")
    print("|---|---|---|---|---|" + ("---|" if old else ""))
    for unit, label in (("<p><br></p>\n", "<p><br></p> x N"), ("<p>\n", "<p> unclosed x N")):
        for mb in (0.5, 1, 2, 4):
            body = unit * int(mb * 1e6 / len(unit))
            record = "<p><b>A Title Here</b><br><i>A B, C D</i></p>"
            html = f"<html><body><h2>Best Paper Award</h2>{body}{record}</body></html>"
            t0 = time.perf_counter()
            found = heuristic_awards(html)
            read = time.perf_counter() - t0
            t0 = time.perf_counter()
            lxml.html.document_fromstring(html.encode())
            parse = time.perf_counter() - t0
            assert [p.title for p in found.papers] == ["A Title Here"], found.papers
            cell = ""
            if old is not None:
                t0 = time.perf_counter()
                if mb <= 1 and unit.startswith("<p><br>"):
                    old(html)
                    cell = f" {time.perf_counter() - t0:.2f} |"
                else:
                    cell = " (not run) |"
            print(f"| {label} | {mb} | {read:.2f} | {mb / read:.2f} | {parse:.3f} |{cell}")


def old_reader(commit: str) -> Callable[[str], object]:
    """heuristic_awards of an earlier commit's tasks/harvest/announcements.py, loaded apart."""
    import importlib.util
    import subprocess

    source = subprocess.run(
        ["git", "show", f"{commit}:tasks/harvest/announcements.py"], cwd=ROOT, capture_output=True, text=True
    )
    if source.returncode:
        raise SystemExit(f"git show {commit}: {source.stderr.strip()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "announcements_before.py"
        path.write_text(source.stdout, encoding="utf-8")
        spec = importlib.util.spec_from_file_location("announcements_before", path)
        assert spec is not None and spec.loader is not None
        old = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = old  # dataclasses look their module up there
        spec.loader.exec_module(old)
    reader: Callable[[str], object] = old.heuristic_awards
    return reader


def before(commit: str) -> None:
    """The reader of an earlier commit on the same pages, every candidate counted as an entry."""
    read = old_reader(commit)
    readings = {}
    for name in pages(FIXTURES):
        found = read(page_html(FIXTURES, name)).papers  # type: ignore[attr-defined]
        readings[name] = [FoundPaper(title=p.title, award=p.award, award_text=p.award_text) for p in found]
    results = {n: score(FIXTURES, n, r) for n, r in readings.items()}
    table(f"The reader of {commit} (every candidate an entry)", {"before": results})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", action="store_true", help="time 0.5 / 1 / 2 / 4 MB pages instead")
    parser.add_argument("--coverage", type=float, default=1.0, help="share of titles the services know")
    parser.add_argument("--no-llm", action="store_true", help="skip the two LLM readings")
    parser.add_argument("--before", metavar="COMMIT", help="score the reader of an earlier commit instead")
    args = parser.parse_args()
    if args.scale:
        scale(args.before)
        return
    if args.before:
        before(args.before)
        return
    loaded = load(args.coverage, with_llm=not args.no_llm)
    modes = [m for m in MODES if not (args.no_llm and m.startswith("llm"))]
    default = ReaderParams()
    table(f"Default ReaderParams {default}", {m: run(loaded, m, lambda _: default) for m in modes})
    lovo: dict[str, dict[str, Score]] = {}
    for m in modes:
        lovo[m], chosen = leave_one_venue_out(loaded, m)
        picks = {
            v: {k: getattr(q, k) for k in ("entry", "refuted_entry", "w_repeated", "w_authors")}
            for v, q in chosen.items()
        }
        print(f"\n{m}: parameters chosen without each venue: {picks}")
    table("Leave-one-venue-out (each venue measured with parameters chosen on the others)", lovo)
    remaining(lovo)


if __name__ == "__main__":
    main()
