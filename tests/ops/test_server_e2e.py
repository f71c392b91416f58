"""End to end on a real Prefect server: `serve` the deployments, trigger runs over the REST API.

The server (SQLite in a temporary PREFECT_HOME) and moto S3 are real processes on 127.0.0.1;
`paperpanels serve` runs in a subprocess that one test kills in the middle of a run.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixture_conference import SLUG, SMALL, stage_papers, write_conference
from tests.ops.stack import (
    APP,
    ROOT,
    Operator,
    RetryBusy,
    epoch,
    ops_environment,
    review_form_saved,
)
from tests.sharing import HEAVY_E2E

pytestmark = [pytest.mark.slow, HEAVY_E2E]  # tests/sharing.py
# The parse report (hidden runs, word for word) stays in the working area: never in a release.
WORKING_ONLY = {"parse-report.json"}
PAPER_FILES = {  # the working area of a paper: what its stages store
    "parse-report.json",
    "paper.pdf",
    "parsed.json",
    "repro.json",  # the repro-card stage
    "summary.json",
    "review.json",  # the summarize stage's full review
    "comic.png",
    "comic.webp",
    "comic-mobile.webp",
    "comic.json",
    "figures.json",
}
FIGURE_RE = re.compile(r"^figures/fig-\d+\.png$")  # the paper's own figures, cut by the comic stage


@pytest.fixture
def ops_env(
    prefect_harness: None,
    prefect_api: str,
    moto_endpoint: str,
    s3_env: str,
    fixtures_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """Environment of the operator's processes: this server, a fresh S3 bucket, the fixture conference,
    bootstrapped (pools, limits, the bucket's result block) as `paperpanels bootstrap` does, in this
    process: the command itself is tests/ops/test_deployments.py's."""
    from config.settings import get_settings
    from flows.runtime.infrastructure import ensure_infrastructure

    conferences = tmp_path / "conferences"
    write_conference(conferences, only=SMALL)  # two papers: each case runs whole deployments
    stage_papers(fixtures_dir, tmp_path / "papers", only=set(SMALL))
    env = ops_environment(prefect_api, moto_endpoint, s3_env, tmp_path, conferences, tmp_path / "papers")
    for name, value in env.items():
        if name.startswith("PAPERPANELS_"):
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    done = ensure_infrastructure(get_settings())
    get_settings.cache_clear()
    assert any(line.startswith("result storage: s3-bucket/results-") for line in done), done
    return env


@pytest.fixture
def operator(ops_env: dict[str, str], tmp_path: Path) -> Iterator[Operator]:
    op = Operator(ops_env, tmp_path / "serve.log")
    op.serve()
    yield op
    op.stop()


def _bucket(env: dict[str, str]) -> dict[str, tuple[bytes, str | None]]:
    """Every object of the store: key (without the prefix) -> (content, sha256 metadata)."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=env["PAPERPANELS_STORE__ENDPOINT_URL"], region_name="us-east-1")
    bucket = env["PAPERPANELS_STORE__URI"].removeprefix("s3://").split("/")[0]
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="pp/"):
        for item in page.get("Contents", []):
            obj = s3.get_object(Bucket=bucket, Key=item["Key"])
            objects[item["Key"].removeprefix("pp/")] = (obj["Body"].read(), obj["Metadata"].get("sha256"))
    return objects


def _check_published(env: dict[str, str]) -> dict[str, Any]:
    """Published files complete and consistent: each checksum right, nothing partial or extra."""
    import json

    objects = _bucket(env)
    for key, (body, sha) in objects.items():
        if key.startswith("prefect-results/"):  # Prefect's task results and cache records
            continue
        assert sha == hashlib.sha256(body).hexdigest(), f"{key} is partial or corrupt"
    # A reader finds the current release through the pointer, and trusts what its manifest lists.
    pointer = json.loads(objects[f"{SLUG}/current.json"][0])
    release = f"{SLUG}/releases/{pointer['release']}"
    manifest = json.loads(objects[pointer["manifest"]][0])
    assert hashlib.sha256(objects[pointer["manifest"]][0]).hexdigest() == pointer["manifest_sha256"]
    for key, obj in manifest["objects"].items():
        assert key.startswith(release + "/"), key
        assert hashlib.sha256(objects[key][0]).hexdigest() == obj["sha256"], key
    papers = {k for k in objects if k.startswith(f"{SLUG}/papers/")}
    by_paper: dict[str, set[str]] = {}
    for key in papers:
        paper, name = key.split("/", 3)[2:]
        assert name in PAPER_FILES or FIGURE_RE.match(name), f"unexpected object {key}"
        by_paper.setdefault(paper, set()).add(name)
    assert len(by_paper) == len(SMALL)
    for names in by_paper.values():  # one of each file per paper: nothing duplicated or missing
        assert names - PAPER_FILES == {n for n in names if FIGURE_RE.match(n)}
        assert names >= PAPER_FILES
    released = {k.split("/papers/", 1)[1] for k in manifest["objects"] if "/papers/" in k}
    # The release holds its own copy of each, and each paper's review.md and review.html, rendered
    # at publish time.
    rendered = {"review.md", "review.html"}
    assert released == {
        f"{p}/{n}" for p, names in by_paper.items() for n in (names - WORKING_ONLY) | rendered
    }
    digest: dict[str, Any] = json.loads(objects[f"{release}/digest.json"][0])
    return digest


def _stage_states(operator: Operator) -> list[str]:
    """Stage states of the latest run, from its stage table artifact (as the UI shows it)."""
    import json

    table = operator.api.get(f"/artifacts/{SLUG}-papers/latest").json()
    rows = json.loads(table["data"]) if isinstance(table["data"], str) else table["data"]
    return [row[stage] for row in rows for stage in ("acquire", "parse", "summarize", "comic")]


def test_two_watch_runs_at_once_start_one_digest_which_publishes(operator: Operator) -> None:
    # Two watcher runs at once (a second server-side trigger): one digest run is started. The
    # deployment runs one watch at a time, so the second one may also be cancelled as it starts.
    watch = [operator.create_run("watch-awards/watch-awards", {}) for _ in range(2)]
    assert all(w.status_code == 201 for w in watch), [(w.status_code, w.text[:300]) for w in watch]
    ends = sorted(operator.wait(w.json()["id"])["state"]["type"] for w in watch)
    assert ends in (["COMPLETED", "COMPLETED"], ["CANCELLED", "COMPLETED"]), ends
    (started,) = operator.runs_of("watched-digest/watched-digest", since=operator.started)
    assert operator.wait(started["id"])["state"]["type"] == "COMPLETED"
    first = _check_published(operator.env)
    assert all(r["status"] == "done" for r in first["results"])


def test_the_ui_form_refuses_bad_input_then_reruns_from_the_cache(operator: Operator) -> None:
    # Bad input from the UI form: rejected by the parameter schema, no run created.
    bad = operator.create_run("award-digest-form/award-digest", {"conference": "neurips-1999"})
    assert bad.status_code in (409, 422), bad.text
    assert "neurips-1999" in bad.text and "is not one of" in bad.text

    # A run from the form publishes the digest.
    form = {"conference": SLUG, "renderer": "sketch", "force": False}
    created = operator.create_run("award-digest-form/award-digest", form)
    assert created.status_code == 201, created.text
    run = operator.wait(created.json()["id"])
    assert run["state"]["type"] == "COMPLETED" and run["name"] == f"{SLUG} digest (form)"
    assert all(r["status"] == "done" for r in _check_published(operator.env)["results"])

    # (Again with nothing changed, a run is up to date, starts no task run and says so: the same flow
    # in process, tests/flows/test_up_to_date.py::test_a_flow_run_records_the_decision_in_prefect.)

    # An edited award entry (a new code link): a new release, every stage from the cache (results
    # in S3), and the UI tells the story.
    manifest = Path(operator.env["PAPERPANELS_CONFERENCES_DIR"]) / f"{SLUG}.yaml"
    import yaml

    body = yaml.safe_load(manifest.read_text())
    body["entries"][0].setdefault("links", {})["code"] = ["https://example.org/edited-code"]
    manifest.write_text(yaml.safe_dump(body))
    created = operator.create_run("award-digest-form/award-digest", form)
    run = operator.wait(created.json()["id"])
    assert run["state"]["type"] == "COMPLETED"
    _check_published(operator.env)
    assert set(_stage_states(operator)) == {"cached"}
    artifacts = operator.artifacts(_digest_subflow(operator, created.json()["id"])["id"])
    keys = {a["key"] for a in artifacts}
    assert {f"{SLUG}-digest", f"{SLUG}-papers"} <= keys, keys
    assert any(a["type"] == "progress" and a["data"] == 100.0 for a in artifacts)
    link = next(a for a in artifacts if a["key"] == f"{SLUG}-digest-html")
    url = link["data"].split("](", 1)[1].rstrip(")")  # a link artifact is stored as markdown
    assert "Signature" in url  # pre-signed: the bucket is private
    assert b"<html" in httpx.get(url, timeout=10).content.lower()


def _digest_subflow(operator: Operator, parent_run: str) -> dict[str, Any]:
    """The `SLUG digest` flow run started inside a form run (a subflow: its parent task is the form's)."""
    tasks = operator.api.post(
        "/task_runs/filter", json={"task_runs": {"flow_run_id": {"any_": [parent_run]}}}
    ).json()
    body = {"flow_runs": {"parent_task_run_id": {"any_": [t["id"] for t in tasks]}}}
    (subflow,) = [
        r for r in operator.api.post("/flow_runs/filter", json=body).json() if r["name"] == f"{SLUG} digest"
    ]
    return subflow


def test_killed_server_process_resumes_from_cache(operator: Operator) -> None:
    created = operator.create_run("award-digest-form/award-digest", {"conference": SLUG})
    assert created.status_code == 201, created.text
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # kill once some stage has stored its output
        keys = set(_bucket(operator.env))
        if any(k.endswith("summary.json") for k in keys):
            break
        time.sleep(0.2)
    operator.stop(signal.SIGKILL)
    assert f"{SLUG}/current.json" not in keys, "the run finished before it could be killed"

    operator.serve()
    again = operator.create_run("award-digest-form/award-digest", {"conference": SLUG})
    assert operator.wait(again.json()["id"])["state"]["type"] == "COMPLETED"
    digest = _check_published(operator.env)
    states = _stage_states(operator)
    assert "cached" in states and set(states) <= {"cached", "done"}, states
    assert all(r["status"] == "done" for r in digest["results"])


def test_deploy_registers_every_deployment_on_its_pool(ops_env: dict[str, str]) -> None:
    env = {**ops_env, "PAPERPANELS_OPS__WATCH_CRON": "*/30 * * * *"}
    done = subprocess.run(
        [sys.executable, "-c", APP, "deploy"], env=env, cwd=ROOT, capture_output=True, timeout=180
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()[-1500:]
    api = httpx.Client(base_url=env["PREFECT_API_URL"], timeout=30, transport=RetryBusy())
    pools = {}
    for name in (
        "award-digest-form/award-digest",
        "watch-awards/watch-awards",
        "watched-digest/watched-digest",
        "backfill/backfill",
    ):
        pools[name] = api.get(f"/deployments/name/{name}").json()["work_pool_name"]
    comics = api.get("/deployments/name/draw-comics/draw-comics").json()
    assert set(pools.values()) == {"paperpanels-process"} and comics["work_pool_name"] == "paperpanels-gpu"
    watch = api.get("/deployments/name/watch-awards/watch-awards").json()
    assert [s["schedule"]["cron"] for s in watch["schedules"]] == ["*/30 * * * *"]
    # The worker's server is shared: these work-pool deployments (no code path: their workers pull the
    # code) must not be what a later test's `serve` finds under the same names. Seen under load: a
    # backfill run created on the served name ran "from storage at None" and crashed; a watched-digest
    # left here (it was not in the list) kept a later test's `serve` from ever registering its own.
    # So every deployment on a pool goes, whatever its name (a served one has no pool).
    on_pools = [d for d in api.post("/deployments/filter", json={"limit": 200}).json() if d["work_pool_name"]]
    assert {d["name"] for d in on_pools} >= {name.split("/")[1] for name in pools}
    for deployment in on_pools:
        assert api.delete(f"/deployments/{deployment['id']}").is_success


PAPERMAGE = (
    "PaperMage: A Unified Toolkit for Processing, Representing, and Manipulating "
    "Visually-Rich Scientific Documents"
)


def _until(what: str, check: Any, operator: Operator, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {timeout} s\n{operator.log.read_text()[-4000:]}")


@pytest.mark.max_seconds(
    120,
    "the EMNLP page harvested whole (30 entries looked up on replayed arXiv / Semantic Scholar), the LLM, "
    "serve, two watch runs and a digest: 39-75 CPU-s measured, by how long the pause for review lasts",
)
def test_the_scheduled_watch_publishes_an_announced_digest(
    ops_env: dict[str, str], fixtures_dir: Path, tmp_path: Path
) -> None:
    """The real EMNLP 2023 award post is in a feed; the scheduled watch (every 2 s, under `serve`)
    reads it with the LLM, pauses for review of the papers it could not identify, and publishes on
    approval. (In process, on the same watch code: a watch before the post starts nothing and a
    later one nothing more: tests/ops/test_watch.py::test_no_post_yet_then_the_post_starts_its_digest_once
    and test_second_poll_starts_nothing.)"""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from tasks.models import slugify
    from tests.harvest.announcement_pages import llm_reader, truth
    from tests.harvest.announcement_site import Site, write_calendar
    from tests.harvest.replay import replay_server
    from tests.ops.webhook import Inbox
    from tests.summarize.openai_server import API_KEY, ReplayServer
    from tests.summarize.replay import MODEL, prices_file

    emnlp = "emnlp-2023-best-papers.md"
    llm = ReplayServer().start()
    with Site() as site, replay_server(fixtures_dir) as replay, Inbox() as inbox:
        llm.state.answers["AnnouncedAwards"] = llm_reader(fixtures_dir)
        site.add_other_post("Call for Papers", "Submissions are due on 23 June.")
        site.add_announcement(fixtures_dir, emnlp, "EMNLP 2023 Best Paper Awards", "best-papers")
        (tmp_path / "no-manifests").mkdir()
        papers = Path(ops_env["PAPERPANELS_PAPERS_DIR"])
        shutil.copyfile(
            fixtures_dir / "pdfs" / "papermage_emnlp2023_demo.pdf", papers / f"{slugify(PAPERMAGE)}.pdf"
        )
        with temporary_settings(updates={PREFECT_API_URL: ops_env["PREFECT_API_URL"]}):
            block = inbox.save_block("pp-e2e")
        env = {
            **ops_env,
            "PAPERPANELS_CONFERENCES_DIR": str(tmp_path / "no-manifests"),
            "PAPERPANELS_HARVEST__CALENDAR_FILE": str(
                write_calendar(tmp_path / "calendar.yaml", "emnlp", "EMNLP", f"{site.url}/feed.xml")
            ),
            "PAPERPANELS_HARVEST__WATCH_MIN_INTERVAL_S": "0",
            "PAPERPANELS_HARVEST__ARXIV_API": f"{replay.url}/arxiv/api/query",
            "PAPERPANELS_HARVEST__OPENREVIEW_API": f"{replay.url}/openreview",
            "PAPERPANELS_HARVEST__SEMANTIC_SCHOLAR_API": f"{replay.url}/s2/graph/v1",
            "PAPERPANELS_HARVEST__ARXIV_INTERVAL_S": "0",
            "PAPERPANELS_HARVEST__SEMANTIC_SCHOLAR_INTERVAL_S": "0",
            "PAPERPANELS_OPS__WATCH_INTERVAL_S": "2",
            "PAPERPANELS_OPS__WATCH_AS_OF": "2023-12-08",
            # The paused run looks for the reviewer's answer every timeout / 20 s (at most 10 s).
            "PAPERPANELS_OPS__REVIEW_TIMEOUT_S": "60",
            "PAPERPANELS_OPS__NOTIFY_BLOCK": block,
            "PAPERPANELS_LLM__MODEL": MODEL,
            "PAPERPANELS_LLM__BASE_URL": llm.url,
            "PAPERPANELS_LLM__API_KEY": API_KEY,
            "PAPERPANELS_LLM__PRICES_FILE": str(prices_file(tmp_path)),
        }
        operator = Operator(env, tmp_path / "serve.log")
        operator.serve()
        try:
            digests = "watched-digest/watched-digest"

            def runs_of(deployment: str) -> list[dict[str, Any]]:
                return operator.runs_of(deployment, since=operator.started)

            (paused,) = _until(
                "the digest paused for review",
                lambda: [r for r in runs_of(digests) if r["state_type"] == "PAUSED"],
                operator,
            )
            _until("the review notification", lambda: inbox.messages, operator, timeout=30)
            assert inbox.subjects() == ["EMNLP 2023: award list waits for review"]
            _until("the review form", lambda: review_form_saved(operator.api, paused["id"]), operator)
            resumed = operator.api.post(
                f"/flow_runs/{paused['id']}/resume", json={"run_input": {"approve": True, "note": "e2e"}}
            )
            assert resumed.status_code == 201 and resumed.json()["status"] == "ACCEPT", resumed.text
            assert operator.wait(paused["id"], timeout=180)["state"]["type"] == "COMPLETED"
            _until("the published notification", lambda: len(inbox.messages) == 2, operator, timeout=30)
            assert len(runs_of(digests)) == 1
            # A poll that overlaps the previous one is cancelled, but only once it is picked up:
            # ~1 s before its time (flows/runtime/deployments.py:runner_timing), not Prefect's 10 s,
            # which had each poll cancel the next ones before they were due. (Runs of the same
            # deployment cancelled before this test served, by an earlier test's clean-up, are not
            # this test's.)
            cancelled = [
                r
                for r in runs_of("watch-awards/watch-awards")
                if r["state_type"] == "CANCELLED" and epoch(r["end_time"]) >= epoch(operator.started)
            ]
            assert cancelled, "no poll overlapped another: nothing was tested"
            early = [epoch(r["expected_start_time"]) - epoch(r["end_time"]) for r in cancelled]
            assert all(s < 5 for s in early), early
        finally:
            operator.stop()
            llm.stop()
    import json

    assert inbox.subjects()[1] == "EMNLP 2023: digest published"
    objects = _bucket(env)
    pointer = json.loads(objects["emnlp-2023/current.json"][0])
    digest = json.loads(objects[f"emnlp-2023/releases/{pointer['release']}/digest.json"][0])
    titles = {a.get("title_clean") or a["title"] for a in truth(fixtures_dir)[emnlp]["awards"]}
    assert {r["entry"]["title"] for r in digest["results"]} == titles
    (paper,) = [r for r in digest["results"] if r["entry"]["title"] == PAPERMAGE]
    assert paper["status"] == "done", paper
    assert {r["status"] for r in digest["results"] if r is not paper} == {"unavailable"}
    assert pointer["release"] in inbox.messages[1]["body"] or "digest.html" in inbox.messages[1]["body"]
    import yaml

    harvested = yaml.safe_load(objects["conferences/harvested/emnlp-2023.yaml"][0])
    assert harvested["slug"] == "emnlp-2023" and PAPERMAGE in {e["title"] for e in harvested["entries"]}
    assert any(r.schema_name() == "AnnouncedAwards" for r in llm.requests)


def test_a_backfill_runs_each_conference_as_a_flow_run_of_the_digest_deployment(
    ops_env: dict[str, str], tmp_path: Path
) -> None:
    """ops.backfill_deployment: the backfill (itself a deployment run) starts the conference as a
    flow run of award-digest on its work pool, waits for it, and reports from the published release."""
    import json

    env = {**ops_env, "PAPERPANELS_OPS__BACKFILL_DEPLOYMENT": "award-digest-form/award-digest"}
    operator = Operator(env, tmp_path / "serve.log")
    operator.serve()
    try:
        digests = "award-digest-form/award-digest"
        created = operator.create_run("backfill/backfill", {"conferences": SLUG})
        assert created.status_code == 201, created.text
        run = operator.wait(created.json()["id"], timeout=240)
        assert run["state"]["type"] == "COMPLETED", operator.log.read_text()[-3000:]
        (child,) = operator.runs_of(digests, since=operator.started)
        assert child["state_type"] == "COMPLETED" and child["parameters"]["conference"] == SLUG
    finally:
        operator.stop()
    objects = _bucket(env)
    digest = _check_published(env)
    (report_key,) = [k for k in objects if k.startswith("backfills/")]
    (outcome,) = json.loads(objects[report_key][0])["outcomes"]
    statuses = [r["status"] for r in digest["results"]]
    assert outcome == {
        "conference": SLUG,
        "outcome": "published",
        "papers": len(statuses),
        "done": statuses.count("done"),
        "unavailable": statuses.count("unavailable"),
        "failed": statuses.count("failed"),
    }
    assert outcome["done"] > 0
