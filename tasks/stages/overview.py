"""conference-overview: the step between the papers and the digest, once per conference.

The year in one page (tasks/overview.py: counts, themes, the cover, each code repository's licence)
is computed here, from stored results only, and stored under <slug>/overview/; the publisher reads
it and computes nothing. It covers the papers this run did and those the current release keeps,
merged as the publisher merges them. Cached on its inputs; unchanged claims reuse the themes found
before, definite licence answers are asked once.

The themes need the summaries only, not the comics: themes-ahead finds them while the comics are
still drawn (flows/digest.py starts it once every paper's summary has settled, counting the papers
still drawing as done) and stores them as overview/themes-ahead.json. The overview step then
reuses them when its papers are those (same verified claims, same model), so a digest waits for
no themes call after its last comic. When a comic fails, that paper is not shown, the input
differs, and the overview asks again: that one call is spent twice. A run starts by removing
themes an earlier run found ahead and never used (it stopped before its overview: forget_ahead):
they are not this run's papers, nor this run's call to count.
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NONE

from tasks.backends import Backends
from tasks.harvest.licences import DEFINITE
from tasks.models import (
    AwardEntry,
    ComicMeta,
    Conference,
    Digest,
    LicenceCheck,
    Overview,
    PaperCard,
    PaperResult,
    PaperStatus,
    PaperSummary,
    ParsedPaper,
    StageName,
    StageOutcome,
    StageResult,
    StageState,
    StageStatus,
)
from tasks.overview import (
    OVERVIEW_FILES,
    build_overview,
    licences,
    licences_json,
    overview_key,
    read_licences,
    serves,
    with_cover,
)
from tasks.publish.publisher import STAGE_ORDER, merge_with_release, paper_result
from tasks.publish.release import read_current
from tasks.stage_cache import StageKey, identity_id
from tasks.stages.common import cache, stage_key
from tasks.store import ArtifactStore
from tasks.summarize.theme_choice import choose_theme_finder

OVERVIEW_VERSION = "1"
AHEAD = "themes-ahead.json"
INPUTS = ("summary.json", "parsed.json", "comic.png", "comic.json", "repro.json")


def _identity(run: Backends, generator: str) -> tuple[object, ...]:
    h = run.settings.harvest
    return ("overview", OVERVIEW_VERSION, generator, f"licences={h.check_licences and h.download}")


def _overview_key(params: dict[str, Any]) -> StageKey:
    run: Backends = params["run"]
    conference: Conference = params["conference"]
    results: list[PaperResult] = params["results"]
    inputs = [
        [r.paper_id, r.status.value, r.entry.title, r.entry.award.value, r.entry.track, r.entry.links.code]
        + [r.checksums.get(name) for name in INPUTS]
        for r in results
    ]
    # The papers of the current release are merged in: another release means other inputs.
    current = read_current(run.store, conference.slug)
    release = current.pointer.release if current else None
    identity = _identity(run, choose_theme_finder(run.settings).identity)
    return stage_key("overview", params, identity, conference.slug, conference.name, release, inputs)


@task(
    name="conference-overview",
    retries=1,
    retry_delay_seconds=10,
    cache_policy=cache(_overview_key),
    persist_result=True,
    task_run_name="overview {conference.slug}",
)
def conference_overview(conference: Conference, results: list[PaperResult], run: Backends) -> StageResult:
    """Themes, cover and licences of the conference's digest-to-be, stored under <slug>/overview/."""
    store, slug = run.store, conference.slug
    digest, parsed = _digest_to_be(conference, results, store)
    previous = _read(store, overview_key(slug, "overview.json"), Overview)
    ahead = _read(store, overview_key(slug, AHEAD), Overview)
    overview = build_overview(digest, parsed, previous, run.settings, ahead=ahead)
    overview, png, webp = with_cover(digest, overview, lambda r: _comic(r, store))
    known = {repo: check for repo, check in _licences_in(store, slug).items() if check.status in DEFINITE}
    found = licences(_repositories(digest.results, store), run.settings, known)
    put = lambda name, body: store.put(overview_key(slug, name), body)  # noqa: E731
    bodies = (overview.model_dump_json(indent=2).encode(), png, webp, licences_json(found))
    outputs = {name: put(name, body) for name, body in zip(OVERVIEW_FILES, bodies, strict=True)}
    if ahead is not None:  # used, or counted as spent: either way its call is in this overview's usage
        store.delete(overview_key(slug, AHEAD))
    ran = identity_id(_identity(run, overview.generator))
    return StageResult(outputs=outputs, identity=ran, stand_in=overview.fallback)


@task(name="themes-ahead", cache_policy=NONE, task_run_name="themes ahead {conference.slug}")
def themes_ahead(
    conference: Conference, outcomes: dict[str, dict[StageName, StageOutcome]], run: Backends
) -> str:
    """The overview's themes for this run's papers (their stage outcomes so far) as they will be if
    their stages still running end well (module doc), stored for the overview step to reuse; what
    they were found from (its input_sha256)."""
    store, slug = run.store, conference.slug
    ran = [e for e in conference.entries if e.paper_id in outcomes]
    results = [expected_result(e, outcomes[e.paper_id], store) for e in ran]
    digest, parsed = _digest_to_be(conference, results, store)
    previous = _read(store, overview_key(slug, "overview.json"), Overview)
    themes = build_overview(digest, parsed, previous, run.settings)
    if not serves(previous, themes):  # (else nothing was asked: the overview reuses the last release's)
        store.put(overview_key(slug, AHEAD), themes.model_dump_json(indent=2).encode())
    return themes.input_sha256


def forget_ahead(store: ArtifactStore, slug: str) -> None:
    """Remove themes found ahead by an earlier run that stopped before its overview (call it before
    this run's papers start): the overview reads only what this run's themes-ahead stored."""
    store.delete(overview_key(slug, AHEAD))


def expected_result(
    entry: AwardEntry, outcomes: dict[StageName, StageOutcome], store: ArtifactStore
) -> PaperResult:
    """The paper's result as it will be if its stages still running end well."""
    well = StageOutcome(status=StageStatus(state=StageState.DONE))
    return paper_result(entry, {stage: outcomes.get(stage, well) for stage in STAGE_ORDER}, store)


def _digest_to_be(
    conference: Conference, results: list[PaperResult], store: ArtifactStore
) -> tuple[Digest, dict[str, ParsedPaper | None]]:
    """The results the release will show (merged with the current one, summaries read) and the
    parsed papers: what the overview is found from."""
    current = read_current(store, conference.slug)
    merged, _ = merge_with_release(conference, results, current, current.digest(store) if current else None)
    done = [_with_summary(r, store) for r in merged]
    parsed = {r.paper_id: _read(store, r.artifacts.get("parsed.json"), ParsedPaper) for r in done}
    return Digest(conference=conference, results=done), parsed


def _licences_in(store: ArtifactStore, slug: str) -> dict[str, LicenceCheck]:
    try:
        return read_licences(store.get(overview_key(slug, "licences.json")))
    except (KeyError, ValueError, AttributeError):
        return {}


def _read(store: ArtifactStore, key: str | None, model: Any) -> Any:
    if key is None:
        return None
    try:
        return model.model_validate_json(store.get(key))
    except (KeyError, ValueError):
        return None


def _with_summary(result: PaperResult, store: ArtifactStore) -> PaperResult:
    """A done result with its summary read from the store (what its themes are found from)."""
    if result.status is not PaperStatus.DONE or result.summary is not None:
        return result
    summary = _read(store, result.artifacts.get("summary.json"), PaperSummary)
    return result.model_copy(update={"summary": summary}) if summary is not None else result


def _comic(result: PaperResult, store: ArtifactStore) -> tuple[bytes, ComicMeta] | None:
    png, meta = result.artifacts.get("comic.png"), result.artifacts.get("comic.json")
    if png is None or meta is None:
        return None
    return store.get(png), ComicMeta.model_validate_json(store.get(meta))


def _repositories(results: list[PaperResult], store: ArtifactStore) -> list[str]:
    """The code repositories of the digest-to-be's cards: the curated links, then the papers' own
    (a paper without a card, e.g. one whose PDF could not be had, shows none)."""
    repositories: list[str] = []
    for r in results:
        card = _read(store, r.artifacts.get("repro.json"), PaperCard)
        if card is None:
            continue
        found = [f.value for f in card.card.code]
        repositories += [u for u in [*r.entry.links.code, *found] if u not in repositories]
    return repositories
