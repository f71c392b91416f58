"""Hostile input through the real CLI (issue 24, items 6-8): bombs, secrets and places, SSRF, drips.

Each case is a small conference run by `paperpanels` against the session's Prefect server and a
local store. In process (`cli.invoke`) unless the process is the point: every console byte
(Prefect's handlers write to the real stderr) and a memory limit on the whole CLI (`cli.run` or a
subprocess of its own).
"""

from __future__ import annotations

import json
import resource
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import yaml

from tests.faults.conftest import ROOT, Cli, published, statuses
from tests.fixture_conference import SLUG
from tests.harvest.announcement_site import Site
from tests.harvest.misbehaving import Misbehaving
from tests.parse.bombs import alias_bomb_yaml, inflating_pdf

pytestmark = [pytest.mark.slow]

GOOD = "10-18653-v1-n18-3011"  # the shortest fixture paper
OTHER = "10-18653-v1-2020-acl-main-207"
THIRD = "1708.05894"
SECRETS = {
    "PAPERPANELS_LLM__API_KEY": "sk-planted-APIKEY-4242",
    "PAPERPANELS_STORE__ACCESS_KEY_ID": "AKIAPLANTEDKEYID",
    "PAPERPANELS_STORE__SECRET_ACCESS_KEY": "planted-AWS-secret-4242",
}
PASSWORDS = ["llm-PASSWORD-1", "store-PASSWORD-2", "grobid-PASSWORD-3"]


def _closed_port() -> int:
    """A port nothing listens on (chosen by the OS, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _store_bytes(store: Path) -> dict[str, bytes]:
    return {str(p.relative_to(store)): p.read_bytes() for p in store.rglob("*") if p.is_file()}


def test_no_secret_and_no_local_place_is_published_or_printed(cli: Cli) -> None:
    port = _closed_port()
    (cli.tmp / "papers" / f"{OTHER}.pdf").write_bytes(b"<html>not a paper</html>\n")  # refused
    env = {
        **SECRETS,
        "PAPERPANELS_LLM__MODEL": "openai:gpt-4o-mini",
        "PAPERPANELS_LLM__BASE_URL": f"http://llmuser:{PASSWORDS[0]}@127.0.0.1:{port}/v1",  # fails
        "PAPERPANELS_LLM__MAX_RETRIES": "0",
        "PAPERPANELS_STORE__ENDPOINT_URL": f"http://s3user:{PASSWORDS[1]}@127.0.0.1:{port}",
        "PAPERPANELS_GROBID__URL": f"http://gruser:{PASSWORDS[2]}@127.0.0.1:{port}",  # down: local parser
    }
    run = cli.run("digest", SLUG, "--paper", GOOD, "--paper", OTHER, **env)
    assert run.returncode == 3, run.stderr[-3000:]  # published, with failed papers
    digest = published(cli)
    assert set(statuses(digest).values()) == {"failed"}
    reasons = " ".join(r["stages"][s].get("error") or "" for r in digest["results"] for s in r["stages"])
    assert "http://***@127.0.0.1" in reasons and f"{OTHER}.pdf (in the papers folder)" in reasons
    planted = [*SECRETS.values(), *PASSWORDS]
    places = [str(cli.tmp), str(cli.tmp.resolve())]
    assert cli.store is not None
    for key, body in _store_bytes(cli.store).items():  # every published byte, working area included
        for value in planted + places:
            assert value.encode() not in body, f"{value!r} in {key}"
    config = cli.invoke("config", **env)
    for output in (run.stdout + run.stderr, config.stdout + config.stderr):
        for value in planted:
            assert value not in output
    assert f"http://gruser:{PASSWORDS[2]}" not in config.stdout and "http://***@127.0.0.1" in config.stdout


def _run_limited(cli: Cli, limit_gb: float, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a process whose address space is limited, as a container's memory limit would."""
    limit = int(limit_gb * (1 << 30))

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        env={**cli.env, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=cap,
    )


def test_pdf_bombs_fail_alone_and_the_rest_is_published_under_a_4_gb_limit(cli: Cli) -> None:
    papers = cli.tmp / "papers"
    # 1 MB that inflates to 700 MB of paths (gigabytes in pdfium): refused by the stream budget.
    (papers / f"{OTHER}.pdf").write_bytes(inflating_pdf(700 << 20))
    # 40 MB of paths, within the stream budget: the parse's own process runs out of memory.
    (papers / f"{THIRD}.pdf").write_bytes(inflating_pdf(40 << 20))
    run = _run_limited(
        cli,
        4,
        "digest",
        SLUG,
        "--paper",
        GOOD,
        "--paper",
        OTHER,
        "--paper",
        THIRD,
        PAPERPANELS_PARSE__MAX_MEMORY_MB="512",
    )
    assert run.returncode == 3, run.stderr[-3000:]
    digest = published(cli)
    assert statuses(digest) == {GOOD: "done", OTHER: "failed", THIRD: "failed"}
    errors = {
        r["paper_id"]: r["stages"]["parse"]["error"] for r in digest["results"] if r["status"] == "failed"
    }
    assert "over the budget of 64 MB of decoded content" in errors[OTHER]
    assert "budget: 512 MB of memory" in errors[THIRD]


def test_an_alias_bomb_manifest_is_refused_at_once_naming_the_file(cli: Cli) -> None:
    conferences = Path(cli.env["PAPERPANELS_CONFERENCES_DIR"])
    (conferences / "bomb-2025.yaml").write_text(alias_bomb_yaml(), encoding="utf-8")
    for command in (["show", "bomb-2025"], ["digest", "bomb-2025"]):
        run = cli.invoke(*command)
        assert run.returncode == 2, run.stdout + run.stderr
        assert "bomb-2025.yaml: the YAML expands to more than 1,000,000 values through aliases" in run.stderr
        assert run.seconds < 30  # it used to take minutes and gigabytes: refused before anything is built
    listing = cli.invoke("conferences")  # the others are listed; the bad one is named (exit 2)
    assert listing.returncode == 2 and SLUG in listing.stdout and "bomb-2025.yaml" in listing.stderr


def test_links_to_internal_addresses_in_any_ipv6_form_are_refused(cli: Cli) -> None:
    conferences = Path(cli.env["PAPERPANELS_CONFERENCES_DIR"])
    links = {
        "nat64": "http://[64:ff9b::a9fe:a9fe]/paper.pdf",
        "sixtofour": "http://[2002:a9fe:a9fe::]/paper.pdf",
    }
    entries = [
        {"title": f"Paper via {name}", "award": "best paper", "links": {"paper": url}}
        for name, url in links.items()
    ]
    manifest = {"slug": "ssrf-2025", "name": "SSRF 2025", "year": 2025, "entries": entries}
    (conferences / "ssrf-2025.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    run = cli.invoke("digest", "ssrf-2025", PAPERPANELS_HARVEST__DOWNLOAD="true")
    assert run.returncode == 0, run.stdout + run.stderr
    store = cli.store
    assert store is not None
    pointer = json.loads((store / "ssrf-2025" / "current.json").read_text())
    digest = json.loads((store / pointer["manifest"].rsplit("/", 1)[0] / "digest.json").read_text())
    reasons = [r["stages"]["acquire"]["error"] for r in digest["results"]]
    assert len(reasons) == 2 and all("link-local 169.254.169.254 inside it" in r for r in reasons), reasons


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # Each request is cut at its deadline; the third source waits for the next poll.
        ("drip-body", "problem"),
        # Each page is dropped at the byte cap (the reader never sees 64 MB): quick, nothing found.
        ("huge", "waiting"),
    ],
)
def test_a_hostile_venue_neither_holds_the_watch_nor_starves_another(
    cli: Cli, tmp_path: Path, mode: str, expected: str
) -> None:
    empty = tmp_path / "no-curated"
    empty.mkdir()
    with Misbehaving(mode) as bad, Site() as site:
        site.add_other_post("Call for Papers", "Submissions are due on 23 November.")
        everywhere = ["01-01", "12-31"]
        bad_venue = {"name": "Bad", "window": everywhere, "sources": [{"kind": "page", "url": bad.url}] * 3}
        calm = {
            "name": "Calm",
            "window": everywhere,
            "sources": [{"kind": "feed", "url": f"{site.url}/feed.xml"}],
        }
        calendar = tmp_path / "calendar.yaml"
        calendar.write_text(yaml.safe_dump({"venues": {"bad": bad_venue, "calm": calm}}), encoding="utf-8")
        started = time.monotonic()
        run = cli.invoke(
            "watch",
            "--here",
            "--as-of",
            date.today().replace(month=6, day=1).isoformat(),
            PAPERPANELS_CONFERENCES_DIR=str(empty),
            PAPERPANELS_HARVEST__CALENDAR_FILE=str(calendar),
            PAPERPANELS_HARVEST__TIMEOUT_S="1",
            PAPERPANELS_HARVEST__POLL_DEADLINE_S="2",
            PAPERPANELS_HARVEST__MAX_PAGE_MB="1",
            PAPERPANELS_HARVEST__WATCH_MIN_INTERVAL_S="0",
        )
        took = time.monotonic() - started
    assert run.returncode == 0, run.stdout + run.stderr
    year = date.today().year
    outcome = json.loads(run.stdout[run.stdout.index("{") :])
    assert outcome == {f"calm-{year}": "waiting", f"bad-{year}": expected}
    assert site.hits["/feed.xml"] == 1  # polled whatever the other venue did
    assert 1 <= bad.served <= 3
    assert took < 60, f"the watch took {took:.0f} s"  # a drip lasts minutes; 64 MB of markup, more
