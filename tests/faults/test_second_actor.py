"""A second actor at the wrong moment (issue 24): another publisher, gc, an editor, another tool.

End to end through the real CLI, the real Prefect server, the real stores (moto S3 behind the
fault-injecting proxy of tests/faults/proxy.py where the race is on the wire) and real Redis. Every
race is made deterministic: one actor is paused at the exact step (tests/faults/killer.py `pause`,
or a request the proxy holds) while the other does its part.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from tasks.publish.release import read_current
from tasks.store import open_store
from tests.faults.conftest import Cli, published, statuses, wait_for_fault
from tests.faults.proxy import FaultProxy, Rule
from tests.fixture_conference import SLUG

# The CLI and its store come from request.getfixturevalue (one test per store): tests/conftest.py
# cannot see those fixtures in the signature, so the markers they imply are said here.
pytestmark = [pytest.mark.server]

ONE = ("--paper", "10-18653-v1-n18-3011")  # the shortest fixture paper (8 pages)
TWO = ("--paper", "1708.05894")


def _gc(cli: Cli, *args: str) -> str:
    """gc with no grace period: only what is being written (or current) is protected."""
    run = cli.invoke("gc", SLUG, *args, PAPERPANELS_STORE__GC_GRACE_S="0")
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


# --------------------------------------------------------------------------- 1. two publishers


@pytest.mark.parametrize("store", ["local", "s3"])
def test_two_first_publications_with_a_paper_each_both_end_current(
    request: pytest.FixtureRequest, store: str
) -> None:
    cli: Cli = request.getfixturevalue("cli" if store == "local" else "s3_cli")
    # The first has read "nothing published" and planned its release; the second publishes first.
    first = cli.start("digest", SLUG, *ONE, fault=("publish-begin", "pause"))
    wait_for_fault(first)
    second = cli.invoke("digest", SLUG, *TWO)
    assert second.returncode == 0, second.stderr[-2000:]
    cli.resume()
    done = cli.finish(first)
    assert done.returncode == 0, done.stderr[-3000:]
    assert statuses(published(cli)) == {ONE[1]: "done", TWO[1]: "done"}
    assert "nothing to remove" in _gc(cli)  # the loser took its attempt away with it


def test_the_loser_of_a_pointer_race_on_the_wire_merges(s3_proxy_cli: Cli, fault_proxy: FaultProxy) -> None:
    cli = s3_proxy_cli
    # Whichever run creates current.json first waits at that request until the other's has been
    # answered: both read "nothing published", both send the create, S3 refuses one.
    held = fault_proxy.add(Rule("PUT", r"/current\.json$", "hold", header="If-None-Match"))
    other = cli.start("digest", SLUG, *ONE)  # the subprocess starts slower: the shorter paper
    here = cli.invoke("digest", SLUG, *TWO)
    there = cli.finish(other)
    assert held.reached.is_set() and not held.timed_out, "the two runs did not meet at the pointer"
    assert (here.returncode, there.returncode) == (0, 0), here.stderr[-2000:] + there.stderr[-2000:]
    assert statuses(published(cli)) == {ONE[1]: "done", TWO[1]: "done"}
    refused = [entry for entry in fault_proxy.log if entry[0] == "PUT" and "current.json" in entry[1]]
    assert 412 in {status for *_, status in refused}, refused  # the loser was refused, then merged
    assert "nothing to remove" in _gc(cli)


def test_two_full_runs_at_once_publish_without_a_failure(cli: Cli) -> None:
    # One run has drawn everything and is about to publish; another draws it all again (--force)
    # and publishes first, rewriting every working file under the first.
    first = cli.start("digest", SLUG, *ONE, fault=("publish-begin", "pause"))
    wait_for_fault(first)
    second = cli.invoke("digest", SLUG, *ONE, "--force")
    cli.resume()
    done = cli.finish(first)
    for run in (second, done):
        assert run.returncode == 0, run.stderr[-3000:]
        assert "Traceback" not in run.stderr and "no error recorded" not in run.stdout + run.stderr
    assert set(statuses(published(cli)).values()) == {"done"}
    assert "nothing to remove" in _gc(cli)


@pytest.mark.parametrize("store", ["local", "s3"])
def test_gc_during_a_publish_keeps_the_release_being_written(
    request: pytest.FixtureRequest, store: str
) -> None:
    # The first publication has written its release and is about to switch the pointer: paused
    # there (local), or its pointer request held by the proxy (S3), while gc --apply runs.
    if store == "local":
        cli: Cli = request.getfixturevalue("cli")
        writer = cli.start("digest", SLUG, *ONE, fault=("publish", "pause"))
        wait_for_fault(writer)
    else:
        cli = request.getfixturevalue("s3_proxy_cli")
        proxy: FaultProxy = request.getfixturevalue("fault_proxy")
        held = proxy.add(Rule("PUT", r"/current\.json$", "hold"))
        writer = cli.start("digest", SLUG, *ONE)
        assert held.reached.wait(90), "the run never switched its pointer"
    listed = _gc(cli, "--apply")
    cli.resume()
    if store == "s3":
        held.released.set()
    done = cli.finish(writer)
    assert done.returncode == 0, done.stderr[-3000:]
    assert set(statuses(published(cli)).values()) == {"done"}  # every object checked against its manifest
    assert "being written by process" in listed, listed


# --------------------------------------------------------------------------- 2. repair


@pytest.mark.parametrize("store", ["local", "s3"])
def test_a_broken_current_release_is_repaired_by_a_plain_rerun(
    request: pytest.FixtureRequest, store: str
) -> None:
    cli: Cli = request.getfixturevalue("cli" if store == "local" else "s3_cli")
    assert cli.invoke("digest", SLUG, *ONE).returncode == 0
    before = published(cli)["release"]
    artifacts = open_store(
        cli.env["PAPERPANELS_STORE__URI"],
        endpoint_url=cli.env.get("PAPERPANELS_STORE__ENDPOINT_URL"),
        region="us-east-1",
    )
    current = read_current(artifacts, SLUG)
    assert current is not None
    artifacts.delete(current.key(f"papers/{ONE[1]}/comic.png"))
    artifacts.put(current.key("digest.md"), b"# not the digest")
    rerun = cli.invoke("digest", SLUG, *ONE)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    after = published(cli)  # every object checked against the manifest
    assert after["release"] != before and set(statuses(after).values()) == {"done"}
    assert "published object(s) missing or changed" in rerun.stdout
    assert "up to date" in cli.invoke("digest", SLUG, *ONE).stdout


def test_editing_a_working_file_in_place_never_changes_a_release(cli: Cli) -> None:
    assert cli.invoke("digest", SLUG, *ONE).returncode == 0
    release = published(cli)["release"]
    assert cli.store is not None
    working = cli.store / SLUG / "papers" / ONE[1] / "comic.json"
    with working.open("r+b") as fh:  # an editor saving in place: same inode, new bytes
        fh.write(b"[EDITED]")
    assert published(cli)["release"] == release  # still every object as its manifest says
    # An edit inside the release itself is found (fingerprint, then hash) and repaired.
    shown = cli.store / SLUG / "releases" / release / "digest.md"
    with shown.open("ab") as fh:
        fh.write(b"\nedited in place\n")
    rerun = cli.invoke("digest", SLUG, *ONE)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert published(cli)["release"] != release
    assert "missing or changed" in rerun.stdout, rerun.stdout[-2000:]


def test_s3_a_body_replaced_under_its_old_metadata_is_neither_replayed_nor_published(s3_cli: Cli) -> None:
    import boto3

    assert s3_cli.invoke("digest", SLUG, *ONE).returncode == 0
    bucket, _, prefix = s3_cli.env["PAPERPANELS_STORE__URI"].removeprefix("s3://").partition("/")
    endpoint = s3_cli.env["PAPERPANELS_STORE__ENDPOINT_URL"]
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    key = f"{prefix}/{SLUG}/papers/{ONE[1]}/comic.png"
    metadata = s3.head_object(Bucket=bucket, Key=key)["Metadata"]
    forged = b"\x89PNG not the comic"
    s3.put_object(Bucket=bucket, Key=key, Body=forged, Metadata=metadata)  # old sha256 carried along
    _add_code_link(s3_cli)  # an input changed: the run publishes a new release, replaying caches
    rerun = s3_cli.invoke("digest", SLUG, *ONE)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    digest = published(s3_cli)  # checked against the manifest, by content
    comic = f"{prefix}/{SLUG}/releases/{digest['release']}/papers/{ONE[1]}/comic.png"
    body = s3.get_object(Bucket=bucket, Key=comic)["Body"].read()
    assert body != forged and statuses(digest) == {ONE[1]: "done"}
    release = comic.rsplit("/papers/", 1)[0]
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=f"{release}/manifest.json")["Body"].read())
    assert manifest["objects"][comic.removeprefix(prefix + "/")]["sha256"] == hashlib.sha256(body).hexdigest()


def _add_code_link(cli: Cli) -> None:
    manifest = Path(cli.env["PAPERPANELS_CONFERENCES_DIR"]) / f"{SLUG}.yaml"
    body = yaml.safe_load(manifest.read_text())
    (entry,) = [e for e in body["entries"] if "N18-3011" in e.get("ids", {}).get("doi", "")]
    entry.setdefault("links", {})["code"] = ["https://example.org/new-code"]
    manifest.write_text(yaml.safe_dump(body))


# --------------------------------------------------------------------------- 4. the feed


def test_a_damaged_feed_is_rebuilt_from_every_current_release(cli: Cli) -> None:
    import feedparser

    conferences = Path(cli.env["PAPERPANELS_CONFERENCES_DIR"])
    (conferences / "other-2021.yaml").write_text(
        "slug: other-2021\nname: Other 2021\nyear: 2021\nentries:\n"
        '  - title: "A paper nobody has"\n    award: best paper\n'
    )
    assert cli.invoke("digest", "other-2021").returncode == 0  # one unavailable paper: cheap
    assert cli.invoke("digest", SLUG, *ONE).returncode == 0
    assert cli.store is not None
    feed = cli.store / "feed.xml"
    for damage in (b"<feed><entry>", _only_entry_of(feed.read_bytes(), SLUG)):
        feed.write_bytes(damage)
        rerun = cli.invoke("digest", SLUG, *ONE)  # up to date: nothing published, the feed checked
        assert rerun.returncode == 0 and "up to date" in rerun.stdout, rerun.stdout[-2000:]
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert {e.id for e in parsed.entries} == {
            "urn:paperpanels:digest:fixtures-2020",
            "urn:paperpanels:digest:other-2021",
        }


def _only_entry_of(feed: bytes, slug: str) -> bytes:
    """A valid feed that lost every other conference's entry (what a restarted feed looked like)."""
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring(feed)
    for entry in root.findall(f"{atom}entry"):
        if entry.findtext(f"{atom}id") != f"urn:paperpanels:digest:{slug}":
            root.remove(entry)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
