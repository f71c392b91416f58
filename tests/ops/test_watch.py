"""watch-awards: from a curated list or an announcement on a conference's site to a started digest.

Real parts: the Prefect engine (the session's test harness, with the digest deployments registered
on it, so starting a digest creates a real flow run), a website on 127.0.0.1 serving the real
NAACL 2021 award post in an RSS feed, the arXiv / Semantic Scholar replay, a webhook receiver
behind a Prefect notification block.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.fixture_conference import SLUG
from tests.harvest.announcement_site import NAACL_2021, NAACL_2021_ARXIV, Site, answer_arxiv, write_calendar
from tests.harvest.replay import Replay, replay_server
from tests.ops.webhook import Inbox

EDITION = "naacl-2021"
AS_OF = date(2021, 6, 10)
UNRESOLVED = "Unifying Cross-Lingual Semantic Role Labeling with Heterogeneous Linguistic Resources"


def without_unresolved(html: str) -> str:
    """The post as it read before its update: without the paper arXiv does not know."""
    entry = f"<h3>{UNRESOLVED}</h3>"
    start = html.index(entry)
    return html[:start] + html[html.index("<h3>", start + len(entry)) :]


@pytest.fixture(scope="module")
def deployments(prefect_harness: None) -> dict[str, str]:
    """The digest deployment registered on the harness's server (nobody executes their runs)."""
    from flows.runtime.deployments import load_flow
    from flows.watch import WATCHED_DIGEST_DEPLOYMENT

    flow = load_flow("flows/watch.py:watched_digest")
    return {WATCHED_DIGEST_DEPLOYMENT: str(flow.to_deployment(name="watched-digest").apply())}


def runs_of(deployment_id: str, conference: str) -> list[Any]:
    from prefect import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
        )
    return [r for r in runs if r.parameters.get("conference") == conference]


# --------------------------------------------------------------------------- curated manifests


def test_new_award_lists_are_the_unpublished_manifests(conference_env: dict[str, Path]) -> None:
    from config.settings import get_settings
    from flows.watch import find_new_award_lists
    from tasks.store import store_for

    assert find_new_award_lists(get_settings()) == [SLUG]
    store_for(get_settings().store).put(f"{SLUG}/current.json", b"{}")
    assert find_new_award_lists(get_settings()) == []


def test_second_poll_starts_nothing(deployments: dict[str, str], conference_env: dict[str, Path]) -> None:
    from flows.watch import WATCHED_DIGEST_DEPLOYMENT, watch_awards

    first = watch_awards()
    assert first[SLUG].startswith("started ")
    run_id = first[SLUG].split()[1]
    assert run_id in {str(r.id) for r in runs_of(deployments[WATCHED_DIGEST_DEPLOYMENT], SLUG)}
    assert watch_awards() == {SLUG: f"already claimed (run {run_id})"}


def test_two_watchers_at_once_start_one_run(
    deployments: dict[str, str], conference_env: dict[str, Path]
) -> None:
    from flows.watch import watch_awards

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda _: watch_awards(), range(2)))
    assert sorted(o[SLUG].split()[0] for o in outcomes) == ["already", "started"]


def test_a_claim_whose_claimant_stopped_is_taken_over_once(
    deployments: dict[str, str], conference_env: dict[str, Path], isolated_settings: Path
) -> None:
    import json

    from flows.watch import WATCHED_DIGEST_DEPLOYMENT, watch_awards

    # A watcher claimed an hour ago and died before it started the run.
    claim = isolated_settings / SLUG / "claim.json"
    claim.parent.mkdir(parents=True)
    claim.write_text(json.dumps({"conference": SLUG, "harvest": "", "at": "2020-01-01T00:00:00+00:00"}))
    outcome = watch_awards()[SLUG]
    assert outcome.startswith("started ")
    assert json.loads(claim.read_text())["run"] == outcome.split()[1]
    assert watch_awards()[SLUG].startswith("already claimed (run ")
    assert outcome.split()[1] in {str(r.id) for r in runs_of(deployments[WATCHED_DIGEST_DEPLOYMENT], SLUG)}


def test_source_down_fails_the_poll_loudly(
    deployments: dict[str, str],
    conference_env: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    import flows.watch
    from config.settings import get_settings

    # The curated manifests are not where the settings say (a volume not mounted).
    monkeypatch.setenv("PAPERPANELS_CONFERENCES_DIR", str(tmp_path / "not-mounted"))
    get_settings.cache_clear()
    monkeypatch.setattr(flows.watch, "check_sources", flows.watch.check_sources.with_options(retries=0))
    state = flows.watch.watch_awards(return_state=True)
    assert state.is_failed()
    with pytest.raises(flows.watch.AwardSourceDown, match="not-mounted does not exist"):
        state.result()
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.objects import StateType

    with get_client(sync_client=True) as client:
        runs = FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        (check,) = client.read_task_runs(flow_run_filter=runs)
    assert check.name.startswith("find-new-award-lists") and check.state_type == StateType.FAILED


# --------------------------------------------------------------------------- announcements


@dataclass
class Watch:
    site: Site
    replay: Replay
    inbox: Inbox
    store: Path
    fixtures: Path

    def post(self, html_filter: Any = None) -> None:
        """The NAACL 2021 award post appears in the feed (optionally as an earlier version)."""
        post = self.site.add_announcement(self.fixtures, NAACL_2021, "NAACL 2021 Best Paper Awards", "awards")
        if html_filter is not None:
            post.html = html_filter(post.html)

    def harvested(self) -> Any:
        from tasks.harvest.watching import load_harvested
        from tasks.store import open_store

        return load_harvested(open_store(str(self.store)), EDITION)

    def record(self, edition: str = EDITION) -> Any:
        from tasks.harvest.watching import load_record
        from tasks.store import open_store

        return load_record(open_store(str(self.store)), edition)


@pytest.fixture
def watch(
    deployments: dict[str, str],
    conference_env: dict[str, Path],
    fixtures_dir: Path,
    tmp_path: Path,
    isolated_settings: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Watch]:
    from config.settings import get_settings

    with Site() as site, replay_server(fixtures_dir) as replay, Inbox() as inbox:
        site.add_other_post("Call for Papers", "Submissions are due on 23 November.")
        calendar = write_calendar(tmp_path / "calendar.yaml", "naacl", "NAACL", f"{site.url}/feed.xml")
        replay.env(monkeypatch, tmp_path)
        monkeypatch.setenv("PAPERPANELS_HARVEST__CALENDAR_FILE", str(calendar))
        monkeypatch.setenv("PAPERPANELS_HARVEST__WATCH_MIN_INTERVAL_S", "0")
        monkeypatch.setenv("PAPERPANELS_HARVEST__ALLOWED_HOSTS", '["127.0.0.1"]')
        monkeypatch.setenv("PAPERPANELS_OPS__NOTIFY_BLOCK", inbox.save_block(f"pp-{uuid.uuid4().hex[:12]}"))
        monkeypatch.setenv("PAPERPANELS_OPS__REVIEW_TIMEOUT_S", "60")
        get_settings.cache_clear()
        yield Watch(site, replay, inbox, isolated_settings, fixtures_dir)


def test_no_post_yet_then_the_post_starts_its_digest_once(watch: Watch, deployments: dict[str, str]) -> None:
    from flows.watch import WATCHED_DIGEST_DEPLOYMENT, watch_awards

    assert watch_awards(as_of=AS_OF)[EDITION] == "waiting"
    assert watch.harvested() is None

    answer_arxiv(watch.replay, watch.fixtures, NAACL_2021, NAACL_2021_ARXIV)
    watch.post(without_unresolved)
    outcome = watch_awards(as_of=AS_OF)[EDITION]
    assert outcome.startswith("started "), outcome
    first_run = outcome.split()[1]
    harvested = watch.harvested()
    assert len(harvested.entries) == 5 and not any(e.needs_review for e in harvested.entries)
    assert {e.ids.arxiv for e in harvested.entries} == set(NAACL_2021_ARXIV.values())
    # Seen again (304 from the site): one harvest, nothing started.
    assert watch_awards(as_of=AS_OF)[EDITION] == f"unchanged: started {first_run}"
    assert watch.site.not_modified["/feed.xml"] >= 1

    # The post is updated with one more paper: a new harvest that says what changed.
    watch.site.posts.pop()
    watch.post()
    outcome = watch_awards(as_of=AS_OF)[EDITION]
    assert outcome.startswith("started ") and outcome.endswith("(waits for review of 1)"), outcome
    record = watch.record()
    assert [c.added for c in record.history] == [record.history[0].added, [UNRESOLVED]]
    assert len(record.history[0].added) == 5 and record.papers == 6
    by_title = {e.title: e for e in watch.harvested().entries}
    assert by_title[UNRESOLVED].needs_review and "no title match" in by_title[UNRESOLVED].note
    runs = {str(r.id) for r in runs_of(deployments[WATCHED_DIGEST_DEPLOYMENT], EDITION)}
    assert {first_run, outcome.split()[1]} <= runs and first_run != outcome.split()[1]


@pytest.mark.parametrize(
    "case",
    ["another year", "not an award post", "feed down", "feed garbage"],
)
def test_bad_sources_start_nothing_and_say_why(watch: Watch, case: str, deployments: dict[str, str]) -> None:
    from flows.watch import WATCHED_DIGEST_DEPLOYMENT, watch_awards

    before = runs_of(deployments[WATCHED_DIGEST_DEPLOYMENT], EDITION)
    if case == "another year":
        post = watch.site.add_announcement(
            watch.fixtures, "acl-2023-best-papers.md", "ACL 2023 Best Paper Awards", "a"
        )
        assert "2023" in post.title
    elif case == "not an award post":
        watch.site.add_other_post(
            "NAACL 2021 Awards ceremony schedule", "The ceremony starts at 5 pm on Thursday."
        )
    elif case == "feed down":
        watch.site.mode = "down"
    else:
        watch.site.mode = "garbage"
    outcome = watch_awards(as_of=AS_OF)[EDITION]
    assert outcome in {"waiting"} or outcome.startswith("problem"), outcome
    assert watch.harvested() is None
    assert runs_of(deployments[WATCHED_DIGEST_DEPLOYMENT], EDITION) == before


def _answer_review(answer: dict[str, object], seen: list[str], edition: str = EDITION) -> None:
    """From another thread: wait for the paused watched-digest run, resume it with the form's answer."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType
    from prefect.flow_runs import resume_flow_run
    from prefect.settings import PREFECT_API_URL

    from tests.ops.stack import wait_review_form

    paused = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])))
    deadline = time.monotonic() + 60
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = [r for r in client.read_flow_runs(flow_run_filter=paused) if edition in r.name]
            if runs:
                wait_review_form(str(PREFECT_API_URL.value()), str(runs[0].id))
                resume_flow_run(runs[0].id, run_input=answer)
                seen.append(str(runs[0].id))
                return
            time.sleep(0.3)


@pytest.mark.slow
def test_an_uncertain_paper_waits_for_review_then_the_digest_is_published(watch: Watch) -> None:
    from flows.watch import watch_awards, watched_digest

    answer_arxiv(watch.replay, watch.fixtures, NAACL_2021, NAACL_2021_ARXIV)
    watch.post()
    assert watch_awards(as_of=AS_OF)[EDITION].endswith("(waits for review of 1)")
    uncertain = next(e.id for e in watch.harvested().entries if e.needs_review)

    # The reviewer fixes one id with a typo first: the form refuses it, naming the paper.
    from flows.watch import HarvestReview

    with pytest.raises(ValueError, match=rf"{uncertain}: 'arxiv:21x': malformed arXiv id '21x'"):
        HarvestReview(approve=True, ids={uncertain: "arxiv:21x"})

    seen: list[str] = []
    helper = threading.Thread(
        target=_answer_review, args=({"approve": True, "exclude": [uncertain], "note": "not on arXiv"}, seen)
    )
    helper.start()
    digest = watched_digest(conference=EDITION)
    helper.join()
    assert seen, "the digest never paused for review"
    assert len(digest.results) == 5 and uncertain not in {r.paper_id for r in digest.results}
    assert (watch.store / EDITION / "current.json").is_file()
    assert [e.id for e in watch.harvested().entries if e.id == uncertain] == []
    subjects = watch.inbox.subjects()
    assert subjects == ["NAACL 2021: award list waits for review", "NAACL 2021: digest published"], subjects
    published = watch.inbox.messages[1]["body"]
    assert "digest.html" in published and "5 papers" in published
    assert watch.record().status == "reviewed: not on arXiv"


def test_a_rejected_review_publishes_nothing(watch: Watch) -> None:
    from flows.watch import watch_awards, watched_digest

    watch.post()  # no arXiv answers: every paper is uncertain
    assert watch_awards(as_of=AS_OF)[EDITION].endswith("(waits for review of 6)")
    seen: list[str] = []
    helper = threading.Thread(target=_answer_review, args=({"approve": False, "note": "wrong page"}, seen))
    helper.start()
    assert watched_digest(conference=EDITION) is None
    helper.join()
    assert seen and not (watch.store / EDITION / "current.json").exists()
    assert watch.record().status == "not published: review rejected: wrong page"


def test_a_curated_manifest_wins_over_the_announcement(watch: Watch, conference_env: dict[str, Path]) -> None:
    from flows.watch import watch_awards

    watch.post()
    curated = (conference_env["conferences"] / f"{SLUG}.yaml").read_text().replace(SLUG, EDITION)
    (conference_env["conferences"] / f"{EDITION}.yaml").write_text(curated)
    outcome = watch_awards(as_of=AS_OF)
    assert watch.harvested() is None and watch.site.hits["/feed.xml"] == 0
    assert outcome[EDITION].startswith("started ")  # as a curated conference


@pytest.mark.slow
def test_here_runs_the_digest_in_process(watch: Watch) -> None:
    from flows.watch import watch_awards

    answer_arxiv(watch.replay, watch.fixtures, NAACL_2021, NAACL_2021_ARXIV)
    watch.post(without_unresolved)
    outcome = watch_awards(as_of=AS_OF, here=True)[EDITION]
    assert outcome.startswith("published here (5 "), outcome
    assert (watch.store / EDITION / "current.json").is_file()
    assert watch_awards(as_of=AS_OF, here=True)[EDITION] == f"unchanged: {outcome}"


EMNLP_2023 = "emnlp-2023-best-papers.md"
PAPERMAGE = (
    "PaperMage: A Unified Toolkit for Processing, Representing, and Manipulating "
    "Visually-Rich Scientific Documents"
)
LAST_EMNLP = (
    "Joint Dialogue Topic Segmentation and Categorization: A Case Study on Clinical Spoken Conversations"
)


@pytest.mark.slow
def test_an_updated_award_list_is_republished_keeping_the_finished_papers(
    watch: Watch, conference_env: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from config.settings import get_settings
    from flows.watch import watch_awards, watched_digest
    from tasks.models import StageState, slugify

    write_calendar(tmp_path / "calendar.yaml", "emnlp", "EMNLP", f"{watch.site.url}/feed.xml")
    monkeypatch.setenv("PAPERPANELS_OPS__REVIEW_TIMEOUT_S", "20")  # the paused run checks every second
    get_settings.cache_clear()
    paper_id = slugify(PAPERMAGE)
    shutil.copyfile(
        watch.fixtures / "pdfs" / "papermage_emnlp2023_demo.pdf", conference_env["papers"] / f"{paper_id}.pdf"
    )
    post = watch.site.add_announcement(watch.fixtures, EMNLP_2023, "EMNLP 2023 Best Paper Awards", "emnlp")
    full = post.html
    post.html = full[: full.rindex("<li>")] + "</ul></body></html>"  # before the last paper was added

    def digest_after_review() -> Any:
        seen: list[str] = []
        helper = threading.Thread(
            target=_answer_review, args=({"approve": True}, seen), kwargs={"edition": "emnlp-2023"}
        )
        helper.start()
        digest = watched_digest(conference="emnlp-2023")
        helper.join()
        assert seen and digest is not None
        return digest

    assert watch_awards(as_of=date(2023, 12, 8))["emnlp-2023"].endswith("(waits for review of 29)")
    first = digest_after_review()
    (done,) = [r for r in first.results if r.status.value == "done"]
    assert done.paper_id == paper_id and len(first.results) == 29
    summary = (watch.store / "emnlp-2023" / "papers" / paper_id / "summary.json").stat()

    post.html = full  # the page is updated: one more paper
    assert watch_awards(as_of=date(2023, 12, 8))["emnlp-2023"].endswith("(waits for review of 30)")
    assert watch.record("emnlp-2023").history[-1].added == [LAST_EMNLP]
    second = digest_after_review()
    (again,) = [r for r in second.results if r.paper_id == paper_id]
    assert again.status.value == "done" and len(second.results) == 30
    assert {s.state for s in again.stages.values()} == {StageState.CACHED}, again.stages
    assert (
        watch.store / "emnlp-2023" / "papers" / paper_id / "summary.json"
    ).stat().st_mtime_ns == summary.st_mtime_ns
