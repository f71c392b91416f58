"""Fault injection over the whole "publish only what is true and complete" list, black-box.

Runs the real `paperpanels` CLI of a source tree (this one by default, or an older checkout given
with --tree: the same cases show what was broken before) in subprocesses, injects faults (kill -9
at a stage, a hang then SIGTERM, a deleted store, a link to a secret, a 1.5 GB file, hostile
titles, an LLM adding an invented number, hidden text in a PDF), and reads the results the way a
reader would: through the store, never through the project's own Python API. One line per case
and store (held / BROKEN, the test that holds the same case in CI), then a total.

Cases come in blocks, one table (TABLE): the trust list above, then issue 24's second actor (two
publishers, gc during a publish, repairs, in-place edits, forged S3 bodies, Redis locks after
kill -9, an empty lock file, a damaged feed), each race made deterministic by pausing one run at
its step. A new block is a list of FaultCase (or of (item, name, case, on S3 too) tuples through
block()) added to TABLE.

    .venv/bin/python bench/faults.py                      # this tree, local store and S3 (moto)
    .venv/bin/python bench/faults.py --only 24.1,24.2,24.3,24.4
    .venv/bin/python bench/faults.py --tree /tmp/old --scale 1000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
FIXTURES = HERE.parent / "shared" / "fixtures"
SLUG = "fixtures-2020"
PAPER = "10-18653-v1-n18-3011"  # the shortest fixture paper

# Patches the tree under test at one point, then runs its CLI; prints its peak RSS when it exits.
LAUNCHER = r"""
import atexit, importlib, os, resource, signal, sys, time
point, action = sys.argv[1], sys.argv[2]
atexit.register(lambda: sys.stderr.write(f"MAXRSS_KB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\n"))
fired = []
def fault():
    if fired:
        return
    fired.append(1)
    sys.stderr.write("FAULT\n"); sys.stderr.flush()
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if action == "pause":  # until the case lets it go on: a second actor does its part meanwhile
        while not os.path.exists(os.environ["FAULT_RESUME_FILE"]):
            time.sleep(0.05)
        return
    while True:  # hang; a tree that can be told to stop sets flows.paper.STOP
        stop = getattr(sys.modules.get("flows.paper"), "STOP", None)
        if stop is not None and stop.is_set():
            time.sleep(0.5)
            return
        time.sleep(0.05)
def wrap(original):
    def wrapped(*a, **k):
        fault()
        return original(*a, **k)
    return wrapped
POINTS = {  # each point: where it lives in this tree, then in older ones
    "acquire": [("tasks.harvest.pdf", "acquire_pdf_bytes")],
    "parse": [
        ("tasks.parse.choice", "parse_with"),
        ("tasks.parse.backends", "parse_with"),
        ("tasks.parse.select", "parse_pdf"),
    ],
    "comic": [
        ("tasks.comic.draw", "draw"),
        ("tasks.comic.render", "draw_comic_with"),
        ("tasks.comic.render", "draw_comic_from_settings"),
    ],
    # The release is planned (the pointer read), nothing of it written yet.
    "publish-begin": [("tasks.publish.publisher", "publish_release")],
}
if point in POINTS:
    import tasks.stages
    for module_name, name in POINTS[point]:
        try:
            original = getattr(importlib.import_module(module_name), name)
        except (ImportError, AttributeError):
            continue
        for module in list(sys.modules.values()):
            if module is not None and getattr(module, name, None) is original:
                setattr(module, name, wrap(original))
        break
elif point == "publish":  # when the manifest is written: between a digest's files and its pointer
    for path in ("tasks.store.local:LocalStore", "tasks.store.s3:S3Store",
                 "tasks.publish.store:LocalStore", "tasks.publish.store:S3Store"):
        module_name, cls_name = path.split(":")
        try:
            cls = getattr(importlib.import_module(module_name), cls_name)
        except (ImportError, AttributeError):
            continue
        def make(put):
            def patched(self, key, data):
                if key.endswith("manifest.json"):
                    fault()
                return put(self, key, data)
            return patched
        cls.put = make(cls.put)
elif point == "pointer":  # the release written, its pointer about to be switched
    for path in ("tasks.store.local:LocalStore", "tasks.store.s3:S3Store"):
        module_name, cls_name = path.split(":")
        cls = getattr(importlib.import_module(module_name), cls_name)
        def make_swap(swap):
            def patched(self, key, data, expected):
                if key.endswith("current.json"):
                    fault()
                return swap(self, key, data, expected)
            return patched
        cls.swap = make_swap(cls.swap)
sys.argv = ["paperpanels", *sys.argv[4:]]
from flows.cli import main
main()
"""


@dataclass
class Run:
    rc: int
    out: str
    err: str
    seconds: float

    @property
    def maxrss_mb(self) -> float:
        for line in self.err.splitlines():
            if line.startswith("MAXRSS_KB="):
                return int(line.split("=", 1)[1]) / 1024
        return float("nan")


class Bench:
    def __init__(self, tree: Path, work: Path, api_url: str | None) -> None:
        self.tree = tree
        self.work = work
        self.api_url = api_url
        self.moto: Any = None
        self.endpoint: str | None = None

    # -- environment

    def env(self, case: str, store: str, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERPANELS_", "PREFECT_"))}
        home = self.work / case / store
        conferences = home / "conferences"
        if not conferences.exists():
            shutil.copytree(HERE / "tests" / "data" / "conferences", conferences)
        base.update(
            {
                "PYTHONPATH": str(self.tree),
                "PREFECT_HOME": str(home / "prefect-home"),
                "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(home / "prefect-results"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
                "PREFECT_LOGGING_LEVEL": "WARNING",
                "DO_NOT_TRACK": "1",
                "PAPERPANELS_CONFERENCES_DIR": str(conferences),
                "PAPERPANELS_HARVEST__DOWNLOAD": "false",
                "PAPERPANELS_COMIC__RENDERER": "sketch",
                "PAPERPANELS_COMIC__WIDTH": "768",
                "PAPERPANELS_PAPERS_DIR": str(self.papers()),
            }
        )
        if self.api_url:
            base["PREFECT_API_URL"] = self.api_url
        if store == "local":
            base["PAPERPANELS_STORE__URI"] = str(home / "store")
        else:
            bucket = f"pp-{case.replace('_', '-')}"[:40].lower()
            self.bucket(bucket)
            base.update(
                {
                    "PAPERPANELS_STORE__URI": f"s3://{bucket}/pp",
                    "PAPERPANELS_STORE__ENDPOINT_URL": str(self.endpoint),
                    "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_DEFAULT_REGION": "us-east-1",
                }
            )
        base.update(extra)
        return base

    def papers(self) -> Path:
        folder = self.work / "papers"
        if not folder.exists():
            sys.path.insert(0, str(HERE))
            from tests.fixture_conference import stage_papers

            stage_papers(FIXTURES, folder)
        return folder

    def s3(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1")

    def bucket(self, name: str) -> None:
        existing = {b["Name"] for b in self.s3().list_buckets().get("Buckets", [])}
        if name not in existing:
            self.s3().create_bucket(Bucket=name)

    # -- running the CLI

    def cli(
        self, env: dict[str, str], *args: str, fault: tuple[str, str] = ("none", "none"), timeout: float = 180
    ) -> Run:
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-c", LAUNCHER, *fault, "--", *args],
                env=env, cwd=self.tree, capture_output=True, text=True, timeout=timeout,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            return Run(-999, str(exc.stdout or ""), str(exc.stderr or ""), time.monotonic() - started)
        return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)

    def start(self, env: dict[str, str], *args: str, fault: tuple[str, str]) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, *fault, "--", *args],
            env=env, cwd=self.tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    # -- reading what a reader reads

    def read(self, env: dict[str, str], key: str) -> bytes | None:
        uri = env["PAPERPANELS_STORE__URI"]
        if not uri.startswith("s3://"):
            path = Path(uri) / key
            return path.read_bytes() if path.is_file() else None
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        try:
            return bytes(self.s3().get_object(Bucket=bucket, Key=f"{prefix}/{key}")["Body"].read())
        except Exception:  # absent
            return None

    def published(self, env: dict[str, str], slug: str = SLUG) -> tuple[dict[str, Any], dict[str, Any], str]:
        """(digest.json, manifest.json, release prefix) as a reader finds them, either layout."""
        pointer = self.read(env, f"{slug}/current.json")
        if pointer is not None:
            p = json.loads(pointer)
            prefix = p["manifest"].rsplit("/", 1)[0]
        else:
            prefix = slug
        manifest = json.loads(self.read(env, f"{prefix}/manifest.json") or b"{}")
        digest = json.loads(self.read(env, f"{prefix}/digest.json") or b"{}")
        return digest, manifest, prefix

    def consistent(self, env: dict[str, str], slug: str = SLUG) -> str | None:
        """None if every object the published manifest lists has its SHA-256, else the first that does not."""
        import hashlib

        _, manifest, _ = self.published(env, slug)
        if not manifest:
            return "no manifest"
        for key, obj in manifest.get("objects", {}).items():
            body = self.read(env, key)
            if body is None or hashlib.sha256(body).hexdigest() != obj["sha256"]:
                return key
        return None

    def text(self, env: dict[str, str], name: str, slug: str = SLUG) -> str:
        _, _, prefix = self.published(env, slug)
        return (self.read(env, f"{prefix}/{name}") or b"").decode(errors="replace")


def statuses(digest: dict[str, Any]) -> set[str]:
    return {r["status"] for r in digest.get("results", [])}


# --------------------------------------------------------------------------- the cases

Case = Callable[[Bench, str], tuple[bool, str]]


def case_award_kinds(b: Bench, store: str) -> tuple[bool, str]:
    env = b.env("award_kinds", store)
    kinds = [
        "best paper", "outstanding paper", "runner-up", "honorable mention", "best student paper",
        "best student paper honorable mention", "best resource paper", "best theme paper",
        "best social impact paper", "other", "test of time", "test of time runner-up",
        "test of time honorable mention",
    ]  # fmt: skip
    entries = "".join(f'  - title: "Paper {i}"\n    award: {k}\n' for i, k in enumerate(kinds))
    Path(env["PAPERPANELS_CONFERENCES_DIR"], "kinds-2025.yaml").write_text(
        f"slug: kinds-2025\nname: Kinds 2025\nyear: 2025\nentries:\n{entries}"
    )
    run = b.cli(env, "digest", "kinds-2025")
    md, html = b.text(env, "digest.md", "kinds-2025"), b.text(env, "digest.html", "kinds-2025")
    shown = md.count("\n### "), html.count("<h3>")
    return shown == (13, 13), f"rc {run.rc}: {shown[0]}/13 papers in digest.md, {shown[1]}/13 in digest.html"


def case_finished_stays_finished(b: Bench, store: str) -> tuple[bool, str]:
    env = b.env("finished", store)
    first = b.cli(env, "digest", SLUG, "--paper", PAPER)
    no_folder = {k: v for k, v in env.items() if k != "PAPERPANELS_PAPERS_DIR"}
    second = b.cli(no_folder, "digest", SLUG, "--paper", PAPER)
    after_plain = statuses(b.published(env)[0])
    third = b.cli({**no_folder, "PAPERPANELS_HARVEST__DOWNLOAD": "true"}, "digest", SLUG, "--paper", PAPER)
    after_download = statuses(b.published(env)[0])
    ok = first.rc == 0 and after_plain == after_download == {"done"}
    return (
        ok,
        f"no folder: {sorted(after_plain)}; download failing: {sorted(after_download)} "
        f"(rc {second.rc}, {third.rc})",
    )


def case_store_deleted(b: Bench, store: str) -> tuple[bool, str]:
    env = b.env("store_deleted", store)
    b.cli(env, "digest", SLUG, "--paper", PAPER)
    if store == "local":
        shutil.rmtree(env["PAPERPANELS_STORE__URI"])
    else:
        bucket = env["PAPERPANELS_STORE__URI"].removeprefix("s3://").split("/")[0]
        s3 = b.s3()
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=item["Key"])
    run = b.cli(env, "digest", SLUG, "--paper", PAPER)
    found = statuses(b.published(env)[0])
    return found == {"done"} and run.rc == 0, f"re-run rc {run.rc}, papers {sorted(found)}"


def case_other_endpoint(b: Bench, store: str) -> tuple[bool, str]:
    if store != "s3":
        return True, "S3 only"
    from moto.server import ThreadedMotoServer

    env = b.env("endpoint", store)
    b.cli(env, "digest", SLUG, "--paper", PAPER)
    other = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    other.start()
    try:
        host, port = other.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        bucket = env["PAPERPANELS_STORE__URI"].removeprefix("s3://").split("/")[0]
        import boto3

        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
        saved, b.endpoint = b.endpoint, endpoint
        moved = {**env, "PAPERPANELS_STORE__ENDPOINT_URL": endpoint}
        run = b.cli(moved, "digest", SLUG, "--paper", PAPER)
        found = statuses(b.published(moved)[0])
        b.endpoint = saved
    finally:
        other.stop()
    return found == {"done"} and run.rc == 0, f"same URI, other endpoint: rc {run.rc}, papers {sorted(found)}"


def case_atomic_release(b: Bench, store: str) -> tuple[bool, str]:
    env = b.env("atomic", store)
    b.cli(env, "digest", SLUG, "--paper", PAPER)
    before = b.published(env)[0]
    changed = {**env, "PAPERPANELS_COMIC__WIDTH": "1024"}
    killed = b.cli(changed, "digest", SLUG, "--paper", PAPER, fault=("publish", "kill"))
    bad = b.consistent(env)
    same = b.published(env)[0] == before
    ok = killed.rc == -9 and bad is None and same
    return (
        ok,
        f"killed while publishing: manifest {'consistent' if bad is None else 'wrong for ' + bad}, "
        + ("reader sees the previous release" if same else "reader sees a changed digest"),
    )


def _uvicorns(home: str) -> int:
    count = 0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (
                    b"uvicorn" in (proc / "cmdline").read_bytes()
                    and f"PREFECT_HOME={home}".encode() in (proc / "environ").read_bytes()
                ):
                    count += 1
            except OSError:
                continue
    return count


def case_kill_then_rerun(b: Bench, store: str) -> tuple[bool, str]:
    env = b.env("kill", store)
    own = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    killed = b.cli(own, "digest", SLUG, "--paper", PAPER, fault=("parse", "kill"))
    time.sleep(2)
    orphans = _uvicorns(own["PREFECT_HOME"])
    rerun = b.cli(env, "digest", SLUG, "--paper", PAPER, timeout=90)
    ok = killed.rc == -9 and rerun.rc == 0 and rerun.seconds < 60 and orphans == 0
    for proc in Path("/proc").iterdir():  # leave no server behind, whatever the tree did
        if proc.name.isdigit() and _uvicorns(own["PREFECT_HOME"]):
            try:
                if f"PREFECT_HOME={own['PREFECT_HOME']}".encode() in (proc / "environ").read_bytes():
                    os.kill(int(proc.name), signal.SIGKILL)
            except OSError:
                continue
    return (
        ok,
        f"re-run after kill -9 at parse: rc {rerun.rc} in {rerun.seconds:.0f} s; orphaned servers {orphans}",
    )


def case_sigterm(b: Bench, store: str) -> tuple[bool, str]:
    env = b.env("sigterm", store)
    process = b.start(env, "digest", SLUG, "--paper", PAPER, "--force", fault=("parse", "hang"))
    assert process.stderr is not None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and "FAULT" not in process.stderr.readline():
        if process.poll() is not None:
            return False, f"ended (rc {process.returncode}) before the fault point"
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
        took = time.monotonic() - sent
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False, "still running 20 s after SIGTERM (killed)"
    return took < 15, f"stopped {took:.1f} s after SIGTERM, rc {process.returncode}"


def case_verified(b: Bench, store: str) -> tuple[bool, str]:
    sys.path.insert(0, str(HERE))
    from tests.summarize.openai_server import API_KEY, INVENTED_NUMBER, ReplayServer

    server = ReplayServer().start()
    server.state.default = "number"
    try:
        env = b.env(
            "verified",
            store,
            PAPERPANELS_LLM__MODEL="openai:replay-model",
            PAPERPANELS_LLM__BASE_URL=server.url,
            PAPERPANELS_LLM__API_KEY=API_KEY,
        )
        run = b.cli(env, "digest", SLUG, "--paper", PAPER)
    finally:
        server.stop()
    md = b.text(env, "digest.md")
    lines = [line for line in md.splitlines() if INVENTED_NUMBER in line]
    marked = bool(lines) and all("unverified" in line for line in lines)
    digest = b.published(env)[0]
    comic_key = next((r["artifacts"].get("comic.json") for r in digest.get("results", [])), None)
    prefix = b.published(env)[2]
    comic = (
        (b.read(env, f"{prefix}/{comic_key}") or b.read(env, comic_key or "") or b"") if comic_key else b""
    )
    # What is drawn: the script's captions, dialogue, callouts and alt text (the notices may quote
    # the number to say why an LLM script was rejected).
    drawn = comic.decode(errors="replace")
    with contextlib.suppress(ValueError):
        meta = json.loads(comic or b"{}")
        if isinstance(meta, dict) and "script" in meta:
            drawn = json.dumps(meta["script"])
    in_comic = "99.9" in drawn
    ok = run.rc == 0 and marked and not in_comic
    return ok, f"invented-number claim {'marked' if marked else 'NOT marked'} in digest.md, " + (
        "drawn in the comic" if in_comic else "kept out of the comic"
    )


def case_hidden_text(b: Bench, store: str) -> tuple[bool, str]:
    sys.path.insert(0, str(HERE))
    from tests.parse.pdfs import escape, paper_pdf

    hidden = "We propose a novel hidden method that beats every baseline by far."
    folder = b.work / "hidden-papers"
    folder.mkdir(exist_ok=True)
    white = b"1 1 1 rg BT /F1 11 Tf 72 400 Td (%s) Tj ET" % escape(hidden)
    (folder / f"{PAPER}.pdf").write_bytes(paper_pdf(white))
    env = b.env("hidden", store, PAPERPANELS_PAPERS_DIR=str(folder))
    run = b.cli(env, "digest", SLUG, "--paper", PAPER)
    md = b.text(env, "digest.md")
    leaked = "hidden method" in md.replace("\\", "") and "Hidden" not in md.split("hidden method")[0][-200:]
    reported = "hidden text" in md.lower()
    return (
        run.rc == 0 and not leaked and reported,
        f"hidden sentence {'published' if leaked else 'kept out'}, "
        f"finding {'reported' if reported else 'missing'}",
    )


HOSTILE = "Attention [/] is [bold]all[/bold] [here](javascript:alert(1)) ![x](https://evil.example/t.png)"


def case_escape(b: Bench, store: str) -> tuple[bool, str]:
    env = b.env("escape", store)
    Path(env["PAPERPANELS_CONFERENCES_DIR"], "escape-2025.yaml").write_text(
        f'slug: escape-2025\nname: "Escape [/] 2025"\nyear: 2025\nentries:\n  - title: "{HOSTILE}"\n'
        '    award: best paper\n    authors: ["Eve [x](javascript:steal())"]\n'
    )
    run = b.cli(env, "digest", "escape-2025")
    md = b.text(env, "digest.md", "escape-2025")
    live = "](javascript:" in md or "![x](https" in md
    return run.rc == 0 and not live and bool(
        md
    ), f"CLI rc {run.rc}; digest.md {'has live links' if live else 'shows text only'}"


def case_symlink(b: Bench, store: str) -> tuple[bool, str]:
    secret = b.work / "secret.txt"
    secret.write_text("SECRET:x:0:0:root:/root:/bin/bash\n")  # what a quoted first line would show
    folder = b.work / "link-papers"
    folder.mkdir(exist_ok=True)
    link = folder / f"{PAPER}.pdf"
    if not link.is_symlink():
        link.symlink_to(secret)
    env = b.env("symlink", store, PAPERPANELS_PAPERS_DIR=str(folder))
    run = b.cli(env, "digest", SLUG, "--paper", PAPER)
    leaked = "SECRET:x" in b.text(env, "digest.md") + b.text(env, "digest.json") + run.out + run.err
    return not leaked, f"rc {run.rc}; the linked file's content {'LEAKED' if leaked else 'never shown'}"


def case_huge_file(b: Bench, store: str) -> tuple[bool, str]:
    folder = b.work / "huge-papers"
    folder.mkdir(exist_ok=True)
    with (folder / f"{PAPER}.pdf").open("wb") as fh:
        fh.truncate(1_500_000_000)
    env = b.env("huge", store, PAPERPANELS_PAPERS_DIR=str(folder))
    run = b.cli(env, "digest", SLUG, "--paper", PAPER)
    return run.maxrss_mb < 500, f"1.5 GB file: peak RSS {run.maxrss_mb:.0f} MiB, rc {run.rc}"


def case_bad_settings(b: Bench, store: str) -> tuple[bool, str]:
    env = {k: v for k, v in b.env("settings", store).items() if k != "PREFECT_API_URL"}
    variants = [
        ({"PAPERPANELS_CONCURRENCY": "-1"}, ()),
        ({"PAPERPANELS_COMIC__RENDERER": "oil"}, ()),
        ({"PAPERPANELS_PARSE__PARSER": "ocr"}, ()),
        ({"PAPERPANELS_STORE__URI": "ftp://h/x"}, ()),
        ({}, ("--store", "")),
    ]
    results = []
    for extra, args in variants:
        run = b.cli({**env, **extra}, "digest", SLUG, *args, timeout=60)
        results.append(run.rc == 2 and run.seconds < 3 and "Traceback" not in run.err)
    return all(results), f"{sum(results)}/{len(results)} bad settings refused in one line, exit 2, < 3 s"


def case_file_modes(b: Bench, store: str) -> tuple[bool, str]:
    if store != "local":
        return True, "local only"
    env = b.env("modes", store)
    old = os.umask(0o022)
    try:
        b.cli(env, "digest", SLUG, "--paper", PAPER)
    finally:
        os.umask(old)
    modes = {
        oct(p.stat().st_mode & 0o777) for p in Path(env["PAPERPANELS_STORE__URI"]).rglob("*") if p.is_file()
    }
    return modes <= {"0o644"}, f"published file modes {sorted(modes)} under umask 022"


def case_masked_key(b: Bench, store: str) -> tuple[bool, str]:
    env = b.env("masked", store, PAPERPANELS_STORE__ACCESS_KEY_ID="AKIAEXAMPLEKEYID")
    run = b.cli(env, "config")
    return "AKIAEXAMPLEKEYID" not in run.out + run.err, "access key id " + (
        "masked" if "AKIAEXAMPLEKEYID" not in run.out else "printed in plain text"
    )


def case_scale(b: Bench, store: str, papers: int = 10_000) -> tuple[bool, str]:
    env = b.env(f"scale{papers}", store)
    entries = "".join(
        f'  - title: "Synthetic paper {i}"\n    award: honorable mention\n'
        f'    ids: {{arxiv: "2501.{i:05d}"}}\n'
        for i in range(1, papers + 1)
    )
    Path(env["PAPERPANELS_CONFERENCES_DIR"], "scale-2025.yaml").write_text(
        f"slug: scale-2025\nname: Scale 2025\nyear: 2025\nentries:\n{entries}"
    )
    run = b.cli(env, "digest", "scale-2025", timeout=3600)
    rate = papers / run.seconds
    process = b.start(env, "digest", "scale-2025", "--force", fault=("none", "none"))
    time.sleep(min(10.0, run.seconds / 2))  # mid-run
    sent = time.monotonic()
    running = process.poll() is None
    process.send_signal(signal.SIGTERM)
    try:
        process.communicate(timeout=300)
        took = time.monotonic() - sent
        stop = f"{took:.1f} s (rc {process.returncode})" if running else "n/a: already done"
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        stop = "> 300 s"
    ok = rate >= 100 and run.maxrss_mb < 400 and run.rc == 0
    return (
        ok,
        f"{papers} unavailable papers: {run.seconds:.1f} s ({rate:.0f} papers/s), "
        f"peak RSS {run.maxrss_mb:.0f} MiB, exit after SIGTERM {stop}",
    )


CASES: list[tuple[str, str, Case, bool]] = [  # (item, name, case, on S3 too)
    ("1", "every award kind published", case_award_kinds, False),
    ("2", "finished paper stays finished", case_finished_stays_finished, True),
    ("3", "deleted store recomputed", case_store_deleted, True),
    ("3", "other endpoint = other store", case_other_endpoint, True),
    ("4", "atomic release under kill -9", case_atomic_release, True),
    ("5", "kill -9 then re-run < 60 s", case_kill_then_rerun, True),
    ("5", "SIGTERM stops within seconds", case_sigterm, False),
    ("6", "invented number marked", case_verified, True),
    ("7", "hidden text kept out", case_hidden_text, False),
    ("8", "hostile titles shown as text", case_escape, False),
    ("9", "link out of the papers folder", case_symlink, False),
    ("9", "1.5 GB file not read", case_huge_file, False),
    ("9", "bad settings refused fast", case_bad_settings, False),
    ("10", "file modes follow the umask", case_file_modes, False),
    ("10", "S3 key id masked", case_masked_key, False),
    ("11", "scale: unavailable papers cheap", case_scale, False),
]


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class FaultCase:
    """One line of the bench: a case run on each of its stores, and the test that holds it in CI."""

    item: str  # the issue item it belongs to ("24.1")
    name: str
    run: Case
    stores: tuple[str, ...] = ("local",)
    test: str = ""  # tests/...::test_name


def block(cases: list[tuple[str, str, Case, bool]]) -> list[FaultCase]:
    """A block of (item, name, case, on S3 too) tuples, as the first block is written, as FaultCases."""
    return [
        FaultCase(item, name, case, ("local", "s3") if on_s3 else ("local",))
        for item, name, case, on_s3 in cases
    ]


# ------------------------------------------------------------ issue 24, items 1-4: a second actor

PAPER2 = "1708.05894"
SECOND = "tests/faults/test_second_actor.py::"


def _paused(b: Bench, env: dict[str, str], point: str, *args: str) -> subprocess.Popen[str]:
    """A run of the tree's CLI paused at `point` (it printed FAULT) until _resume(env)."""
    process = b.start(env, *args, fault=(point, "pause"))
    assert process.stderr is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if line.startswith("FAULT"):
            return process
        if not line and process.poll() is not None:
            raise RuntimeError(f"the run ended (rc {process.returncode}) before {point}")
    raise RuntimeError(f"{point} not reached in 120 s")


def _resume(env: dict[str, str], process: subprocess.Popen[str]) -> Run:
    Path(env["FAULT_RESUME_FILE"]).touch()
    started = time.monotonic()
    out, err = process.communicate(timeout=180)
    return Run(process.returncode, out, err, time.monotonic() - started)


def _second_env(b: Bench, case: str, store: str, **extra: str) -> dict[str, str]:
    env = b.env(case, store, **extra)
    env["FAULT_RESUME_FILE"] = str(b.work / case / store / "resume")
    Path(env["FAULT_RESUME_FILE"]).unlink(missing_ok=True)
    return env


def _keys(b: Bench, env: dict[str, str], prefix: str) -> list[str]:
    """Every key under prefix, as a reader lists them (hidden temp files left out locally)."""
    uri = env["PAPERPANELS_STORE__URI"]
    if not uri.startswith("s3://"):
        root = Path(uri)
        base = root / prefix
        return (
            sorted(
                str(p.relative_to(root))
                for p in base.rglob("*")
                if p.is_file() and not p.name.startswith(".")
            )
            if base.is_dir()
            else []
        )
    bucket, _, top = uri.removeprefix("s3://").partition("/")
    found: list[str] = []
    for page in b.s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{top}/{prefix}"):
        found += [o["Key"].removeprefix(f"{top}/") for o in page.get("Contents", [])]
    return found


def _orphans(b: Bench, env: dict[str, str]) -> int:
    """Release folders that neither the pointer nor its history names."""
    pointer = json.loads(b.read(env, f"{SLUG}/current.json") or b"{}")
    named = {pointer.get("release"), *pointer.get("history", [])}
    folders = {key.split("/")[2] for key in _keys(b, env, f"{SLUG}/releases/")}
    return len(folders - named)


def case_first_publications(b: Bench, store: str) -> tuple[bool, str]:
    env = _second_env(b, "first_pub", store)
    first = _paused(b, env, "publish-begin", "digest", SLUG, "--paper", PAPER)
    second = b.cli(env, "digest", SLUG, "--paper", PAPER2)
    done = _resume(env, first)
    found = {r["paper_id"]: r["status"] for r in b.published(env)[0].get("results", [])}
    ok = (done.rc, second.rc) == (0, 0) and found == {PAPER: "done", PAPER2: "done"}
    return ok, f"rc {done.rc}/{second.rc}; papers current: {sorted(found) or 'none'}"


def case_two_full_runs(b: Bench, store: str) -> tuple[bool, str]:
    env = _second_env(b, "two_runs", store)
    first = _paused(b, env, "publish-begin", "digest", SLUG, "--paper", PAPER)
    second = b.cli(env, "digest", SLUG, "--paper", PAPER, "--force")  # draws it all again meanwhile
    done = _resume(env, first)
    said = done.out + done.err + second.out + second.err
    found = statuses(b.published(env)[0])
    orphans = _orphans(b, env)
    ok = (done.rc, second.rc) == (0, 0) and "Traceback" not in said and "no error recorded" not in said
    ok = ok and found == {"done"} and orphans == 0 and b.consistent(env) is None
    return ok, (
        f"rc {done.rc}/{second.rc}, traceback {'yes' if 'Traceback' in said else 'no'}, "
        f"papers {sorted(found)}, orphan releases {orphans}"
    )


def case_gc_during_publish(b: Bench, store: str) -> tuple[bool, str]:
    env = _second_env(b, "gc_publish", store, PAPERPANELS_STORE__GC_GRACE_S="0")
    writer = _paused(b, env, "pointer", "digest", SLUG, "--paper", PAPER)  # written, not yet current
    gc = b.cli(env, "gc", SLUG, "--apply")
    done = _resume(env, writer)
    bad = b.consistent(env)
    return done.rc == 0 and bad is None, (
        f"gc --apply rc {gc.rc} while the release was written; then "
        + (
            "every object of the current release present"
            if bad is None
            else f"the current release is broken: {bad}"
        )
    )


def case_repair(b: Bench, store: str) -> tuple[bool, str]:
    env = _second_env(b, "repair", store)
    b.cli(env, "digest", SLUG, "--paper", PAPER)
    _, manifest, prefix = b.published(env)
    victim = next(k for k in manifest.get("objects", {}) if k.endswith("comic.png"))
    uri = env["PAPERPANELS_STORE__URI"]
    if uri.startswith("s3://"):
        bucket, _, top = uri.removeprefix("s3://").partition("/")
        b.s3().delete_object(Bucket=bucket, Key=f"{top}/{victim}")
    else:
        (Path(uri) / victim).unlink()
    rerun = b.cli(env, "digest", SLUG, "--paper", PAPER)
    bad = b.consistent(env)
    moved = b.published(env)[2] != prefix
    return rerun.rc == 0 and bad is None and moved, (
        f"one object deleted from the current release; plain re-run rc {rerun.rc}: "
        + ("repaired as a new release" if bad is None and moved else f"still broken ({bad})")
    )


def case_in_place_edit(b: Bench, store: str) -> tuple[bool, str]:
    env = _second_env(b, "in_place", store)
    b.cli(env, "digest", SLUG, "--paper", PAPER)
    root = Path(env["PAPERPANELS_STORE__URI"])
    with (root / SLUG / "papers" / PAPER / "comic.json").open("r+b") as fh:  # an editor, in place
        fh.write(b"[EDITED]")
    after_working = b.consistent(env)
    _, _, prefix = b.published(env)
    with (root / prefix / "digest.md").open("ab") as fh:  # and a published file, in place
        fh.write(b"\nedited\n")
    rerun = b.cli(env, "digest", SLUG, "--paper", PAPER)
    after_rerun = b.consistent(env)
    ok = after_working is None and after_rerun is None
    return ok, (
        f"working file edited: release {'intact' if after_working is None else 'changed'}; "
        f"release file edited then plain re-run (rc {rerun.rc}): "
        + ("repaired" if after_rerun is None else "still changed")
    )


def case_forged_body(b: Bench, store: str) -> tuple[bool, str]:
    import yaml

    env = _second_env(b, "forged", store)
    b.cli(env, "digest", SLUG, "--paper", PAPER)
    bucket, _, top = env["PAPERPANELS_STORE__URI"].removeprefix("s3://").partition("/")
    key = f"{top}/{SLUG}/papers/{PAPER}/comic.png"
    s3 = b.s3()
    forged = b"\x89PNG forged"
    s3.put_object(
        Bucket=bucket, Key=key, Body=forged, Metadata=s3.head_object(Bucket=bucket, Key=key)["Metadata"]
    )
    manifest = Path(env["PAPERPANELS_CONFERENCES_DIR"]) / f"{SLUG}.yaml"
    data = yaml.safe_load(manifest.read_text())
    for entry in data["entries"]:
        if "N18-3011" in str(entry.get("ids", {})):
            entry.setdefault("links", {})["code"] = ["https://example.org/code"]  # a new release is due
    manifest.write_text(yaml.safe_dump(data))
    rerun = b.cli(env, "digest", SLUG, "--paper", PAPER)
    _, _, prefix = b.published(env)
    shown = b.read(env, f"{prefix}/papers/{PAPER}/comic.png")
    bad = b.consistent(env)
    ok = rerun.rc == 0 and bad is None and shown != forged
    if ok:
        return (
            ok,
            f"comic.png forged under its sha256 metadata; re-run rc {rerun.rc}: redrawn, checked by content",
        )
    where = "published" if shown == forged else "not published"
    manifest_state = "ok" if bad is None else f"wrong for {bad}"
    return ok, f"re-run rc {rerun.rc}: the forged body {where}, manifest {manifest_state}"


def _redis_db() -> int | None:
    import socket
    import uuid

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            if not conn.recv(16).startswith(b"+PONG"):
                return None
    except OSError:
        return None
    return uuid.uuid4().int % 15 + 1


def case_redis_kill(b: Bench, store: str) -> tuple[bool, str]:
    db = _redis_db()
    if db is None:
        return False, "no Redis on 127.0.0.1:6379: not run"
    import redis

    url = f"redis://127.0.0.1:6379/{db}"
    env = _second_env(b, "redis_kill", store, PAPERPANELS_OPS__LOCKS="redis", PAPERPANELS_OPS__REDIS_URL=url)
    client = redis.Redis.from_url(url)
    client.flushdb()
    killed = b.cli(env, "digest", SLUG, "--paper", PAPER, fault=("parse", "kill"))
    keys = client.keys("*")
    forever = sum(1 for k in keys if client.pttl(k) == -1)
    rerun = b.cli(env, "digest", SLUG, "--paper", PAPER, timeout=75)
    client.flushdb()
    ok = killed.rc == -9 and forever == 0 and rerun.rc == 0 and rerun.seconds < 60
    took = "waited > 75 s (stopped)" if rerun.rc == -999 else f"rc {rerun.rc} in {rerun.seconds:.0f} s"
    return ok, f"kill -9 at parse: {len(keys)} Redis keys, {forever} without a TTL; re-run {took}"


def case_empty_lock_file(b: Bench, store: str) -> tuple[bool, str]:
    env = _second_env(b, "empty_lock", store)
    killed = b.cli(env, "digest", SLUG, "--paper", PAPER, fault=("parse", "kill"))
    locks = list((Path(env["PREFECT_HOME"]) / "paperpanels-locks").glob("*.lock"))
    old = time.time() - 3600
    for lock in locks:  # the holder crashed before its write reached the disk, an hour ago
        lock.write_bytes(b"")
        os.utime(lock, (old, old))
    rerun = b.cli(env, "digest", SLUG, "--paper", PAPER, timeout=75)
    ok = killed.rc == -9 and bool(locks) and rerun.rc == 0 and rerun.seconds < 60
    took = "waited > 75 s (stopped)" if rerun.rc == -999 else f"rc {rerun.rc} in {rerun.seconds:.0f} s"
    return ok, f"{len(locks)} empty lock file(s) an hour old; re-run {took}"


def case_feed(b: Bench, store: str) -> tuple[bool, str]:
    import xml.etree.ElementTree as ET

    env = _second_env(b, "feed", store)
    Path(env["PAPERPANELS_CONFERENCES_DIR"], "other-2021.yaml").write_text(
        "slug: other-2021\nname: Other 2021\nyear: 2021\nentries:\n"
        '  - title: "A paper nobody has"\n    award: best paper\n'
    )
    b.cli(env, "digest", "other-2021")
    b.cli(env, "digest", SLUG, "--paper", PAPER)

    def listed() -> set[str]:
        try:
            root = ET.fromstring(b.read(env, "feed.xml") or b"")
        except ET.ParseError:
            return set()
        return {
            e.findtext("{http://www.w3.org/2005/Atom}id") or ""
            for e in root.iter("{http://www.w3.org/2005/Atom}entry")
        }

    def damage() -> None:
        uri = env["PAPERPANELS_STORE__URI"]
        if uri.startswith("s3://"):
            bucket, _, top = uri.removeprefix("s3://").partition("/")
            b.s3().put_object(Bucket=bucket, Key=f"{top}/feed.xml", Body=b"<feed><entry>")
        else:
            (Path(uri) / "feed.xml").write_bytes(b"<feed><entry>")

    damage()
    b.cli(env, "digest", SLUG, "--paper", PAPER, "--force")  # a new publication of one conference
    after_publish = len(listed())
    damage()
    b.cli(env, "digest", SLUG, "--paper", PAPER)  # up to date: nothing published
    after_up_to_date = len(listed())
    return (after_publish, after_up_to_date) == (2, 2), (
        f"damaged feed.xml, 2 conferences published: {after_publish} entries after a publication, "
        f"{after_up_to_date} after an up-to-date run"
    )


SECOND_ACTOR_CASES = [
    FaultCase("24.1", "two first publications, --paper each", case_first_publications, ("local", "s3"),
              SECOND + "test_two_first_publications_with_a_paper_each_both_end_current"),
    FaultCase("24.1", "two full runs at once", case_two_full_runs, ("local", "s3"),
              SECOND + "test_two_full_runs_at_once_publish_without_a_failure"),
    FaultCase("24.1", "gc --apply during a publish", case_gc_during_publish, ("local", "s3"),
              SECOND + "test_gc_during_a_publish_keeps_the_release_being_written"),
    FaultCase("24.2", "broken release repaired by a re-run", case_repair, ("local", "s3"),
              SECOND + "test_a_broken_current_release_is_repaired_by_a_plain_rerun"),
    FaultCase("24.2", "in-place edits never change a release", case_in_place_edit, ("local",),
              SECOND + "test_editing_a_working_file_in_place_never_changes_a_release"),
    FaultCase("24.2", "S3 body under old sha256 metadata", case_forged_body, ("s3",),
              SECOND + "test_s3_a_body_replaced_under_its_old_metadata_is_neither_replayed_nor_published"),
    FaultCase("24.3", "kill -9, Redis locks expire", case_redis_kill, ("local",),
              "tests/faults/test_recovery.py::test_kill_9_anywhere_then_a_rerun_finishes_normally[parse-redis]"),
    FaultCase("24.3", "empty lock file is stale", case_empty_lock_file, ("local",),
              "tests/ops/test_locks.py::test_an_empty_lock_file_is_stale_after_one_lease"),
    FaultCase("24.4", "damaged feed rebuilt from releases", case_feed, ("local", "s3"),
              SECOND + "test_a_damaged_feed_is_rebuilt_from_every_current_release"),
]  # fmt: skip


# ------------------------------------------------------------- issue 24, items 6-8: hostile input
# Resource bombs, secrets and local places, SSRF, dripping sources. Each case has its end-to-end
# test in tests/faults/test_hostile.py (named in its line). Local store only: none depends on S3.

OTHER = "10-18653-v1-2020-acl-main-207"  # a second fixture paper, replaced by a hostile file
PLANTED = {
    "PAPERPANELS_LLM__API_KEY": "sk-planted-APIKEY-4242",
    "PAPERPANELS_STORE__ACCESS_KEY_ID": "AKIAPLANTEDKEYID",
    "PAPERPANELS_STORE__SECRET_ACCESS_KEY": "planted-AWS-secret-4242",
}
PASSWORDS = ["llm-PASSWORD-1", "store-PASSWORD-2", "grobid-PASSWORD-3"]


def _limited(b: Bench, env: dict[str, str], *args: str, limit_gb: float = 4.0, timeout: float = 300) -> Run:
    """The CLI under an address-space limit, as a container's memory limit would put it."""
    import resource

    limit = int(limit_gb * (1 << 30))

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", LAUNCHER, "none", "none", "--", *args],
            env=env, cwd=b.tree, capture_output=True, text=True, timeout=timeout, preexec_fn=cap,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        return Run(-999, str(exc.stdout or ""), str(exc.stderr or ""), time.monotonic() - started)
    return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def _hostile_papers(b: Bench, name: str, hostile: bytes) -> Path:
    """A papers folder: the shortest fixture paper, and OTHER replaced by hostile bytes."""
    folder = b.work / name
    folder.mkdir(exist_ok=True)
    shutil.copyfile(b.papers() / f"{PAPER}.pdf", folder / f"{PAPER}.pdf")
    (folder / f"{OTHER}.pdf").write_bytes(hostile)
    return folder


def _bomb_case(b: Bench, store: str, name: str, bomb: bytes, what: str) -> tuple[bool, str]:
    env = b.env(name, store, PAPERPANELS_PAPERS_DIR=str(_hostile_papers(b, name, bomb)))
    run = _limited(b, env, "digest", SLUG, "--paper", PAPER, "--paper", OTHER)
    digest = b.published(env)[0] if run.rc in (0, 3) else {}
    found = {r["paper_id"]: r["status"] for r in digest.get("results", [])}
    ok = run.rc == 3 and found == {PAPER: "done", OTHER: "failed"} and "budget" in b.text(env, "digest.md")
    outcome = ", ".join(f"{p[:12]}.. {s}" for p, s in found.items()) or "nothing published"
    test = "test_pdf_bombs_fail_alone_and_the_rest_is_published_under_a_4_gb_limit"
    return ok, f"{what} + a good paper, 4 GB limit: rc {run.rc}, {outcome}, {run.seconds:.0f} s [{test}]"


def case_pdf_bomb(b: Bench, store: str) -> tuple[bool, str]:
    sys.path.insert(0, str(HERE))
    from tests.parse.bombs import SPARSE_OPS, inflating_pdf

    bomb = inflating_pdf(3000 << 20, unit=SPARSE_OPS)
    return _bomb_case(b, store, "pdf_bomb", bomb, f"{len(bomb) >> 20} MB PDF inflating to 3 GB")


def case_shared_stream(b: Bench, store: str) -> tuple[bool, str]:
    sys.path.insert(0, str(HERE))
    from tests.parse.bombs import inflating_pdf

    bomb = inflating_pdf(8 << 20, pages=20)
    return _bomb_case(b, store, "shared_stream", bomb, "20 pages drawing one 8 MB stream")


def case_yaml_bomb(b: Bench, store: str) -> tuple[bool, str]:
    sys.path.insert(0, str(HERE))
    from tests.parse.bombs import alias_bomb_yaml

    env = b.env("yaml_bomb", store)
    Path(env["PAPERPANELS_CONFERENCES_DIR"], "bomb-2025.yaml").write_text(alias_bomb_yaml(levels=8))
    run = _limited(b, env, "show", "bomb-2025", timeout=120)
    named = "bomb-2025.yaml" in run.err and "alias" in run.err
    ok = run.rc == 2 and named and run.seconds < 10
    test = "test_an_alias_bomb_manifest_is_refused_at_once_naming_the_file"
    return ok, (
        f"9^8 strings in 538 bytes: rc {run.rc} in {run.seconds:.1f} s, peak RSS {run.maxrss_mb:.0f} MiB, "
        f"file {'named' if named else 'not named'} [{test}]"
    )


def case_secrets(b: Bench, store: str) -> tuple[bool, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there: the model and GROBID fail
    folder = _hostile_papers(b, "secrets_papers", b"<html>not a paper</html>\n")
    env = b.env(
        "secrets", store, **PLANTED,
        PAPERPANELS_PAPERS_DIR=str(folder),
        PAPERPANELS_LLM__MODEL="openai:gpt-4o-mini",
        PAPERPANELS_LLM__BASE_URL=f"http://llmuser:{PASSWORDS[0]}@127.0.0.1:{port}/v1",
        PAPERPANELS_LLM__MAX_RETRIES="0",
        PAPERPANELS_STORE__ENDPOINT_URL=f"http://s3user:{PASSWORDS[1]}@127.0.0.1:{port}",
        PAPERPANELS_GROBID__URL=f"http://gruser:{PASSWORDS[2]}@127.0.0.1:{port}",
    )  # fmt: skip
    run = b.cli(env, "digest", SLUG, "--paper", PAPER, "--paper", OTHER)
    config = b.cli(env, "config")
    planted = [*PLANTED.values(), *PASSWORDS]
    files = [f for f in Path(env["PAPERPANELS_STORE__URI"]).rglob("*") if f.is_file()]
    leaks = {v for f in files for v in [*planted, str(folder)] if v.encode() in f.read_bytes()}
    printed = {v for v in planted if v in run.out + run.err + config.out + config.err}
    ok = run.rc == 3 and bool(files) and not leaks and not printed
    test = "test_no_secret_and_no_local_place_is_published_or_printed"
    return ok, (
        f"model down, a paper refused: rc {run.rc}; in the {len(files)} stored files: "
        f"{len(leaks)} of 7 planted values and the papers folder; on the console: {len(printed)} [{test}]"
    )


def case_ssrf(b: Bench, store: str) -> tuple[bool, str]:
    env = b.env("ssrf", store, PAPERPANELS_HARVEST__DOWNLOAD="true")
    links = ["http://[64:ff9b::a9fe:a9fe]/paper.pdf", "http://[2002:a9fe:a9fe::]/paper.pdf"]
    entries = "".join(
        f'  - title: "Paper {i}"\n    award: best paper\n    links: {{paper: "{url}"}}\n'
        for i, url in enumerate(links)
    )
    Path(env["PAPERPANELS_CONFERENCES_DIR"], "ssrf-2025.yaml").write_text(
        f"slug: ssrf-2025\nname: SSRF 2025\nyear: 2025\nentries:\n{entries}"
    )
    run = b.cli(env, "digest", "ssrf-2025")
    results = b.published(env, "ssrf-2025")[0].get("results", [])
    reasons = [str(r["stages"].get("acquire", {}).get("error")) for r in results]
    refused = sum("refused" in r and "169.254.169.254" in r for r in reasons)
    test = "test_links_to_internal_addresses_in_any_ipv6_form_are_refused"
    return (
        refused == 2,
        f"NAT64 and 6to4 forms of 169.254.169.254: {refused}/2 refused (rc {run.rc}) [{test}]",
    )


def _watch(b: Bench, store: str, name: str, mode: str) -> tuple[Run, int, int]:
    """`watch --here` over a hostile venue (3 sources) and a calm one: (run, calm polls, requests served)."""
    sys.path.insert(0, str(HERE))
    from tests.harvest.announcement_site import Site
    from tests.harvest.misbehaving import Misbehaving

    with Misbehaving(mode) as bad, Site() as site:
        site.add_other_post("Call for Papers", "Submissions are due on 23 November.")
        everywhere = ["01-01", "12-31"]
        bad_venue = {"name": "Bad", "window": everywhere, "sources": [{"kind": "page", "url": bad.url}] * 3}
        calm = {
            "name": "Calm",
            "window": everywhere,
            "sources": [{"kind": "feed", "url": f"{site.url}/feed.xml"}],
        }
        calendar = b.work / f"{name}-calendar.yaml"
        calendar.write_text(json.dumps({"venues": {"bad": bad_venue, "calm": calm}}))
        empty = b.work / f"{name}-no-curated"
        empty.mkdir(exist_ok=True)
        env = b.env(
            name, store,
            PAPERPANELS_CONFERENCES_DIR=str(empty),
            PAPERPANELS_HARVEST__CALENDAR_FILE=str(calendar),
            PAPERPANELS_HARVEST__TIMEOUT_S="5",
            PAPERPANELS_HARVEST__POLL_DEADLINE_S="12",
            PAPERPANELS_HARVEST__WATCH_MIN_INTERVAL_S="0",
        )  # fmt: skip
        run = b.cli(env, "watch", "--here", "--as-of", "2025-06-01", timeout=300)
        return run, site.hits["/feed.xml"], bad.served


def case_drip(b: Bench, store: str) -> tuple[bool, str]:
    run, calm, served = _watch(b, store, "drip", "drip-body")
    ok = run.rc == 0 and calm >= 1 and run.seconds < 60
    test = "test_a_hostile_venue_neither_holds_the_watch_nor_starves_another[drip-body]"
    return ok, (
        f"3 sources dripping a byte per 0.2 s (5 s timeout, 12 s poll deadline): watch rc {run.rc} in "
        f"{run.seconds:.0f} s, {served} hostile requests, calm venue polled {calm}x [{test}]"
    )


def case_page_cap(b: Bench, store: str) -> tuple[bool, str]:
    run, calm, _ = _watch(b, store, "page_cap", "huge")
    capped = "over the cap" in run.err
    ok = run.rc == 0 and calm >= 1 and run.seconds < 60
    test = "test_a_hostile_venue_neither_holds_the_watch_nor_starves_another[huge]"
    return ok, (
        f"3 sources of 64 MB pages: watch rc {run.rc} in {run.seconds:.0f} s, cap "
        f"{'named' if capped else 'not named'} in the log, calm venue polled {calm}x [{test}]"
    )


HOSTILE = "tests/faults/test_hostile.py::"
HOSTILE_CASES = [
    FaultCase("24.6", "PDF inflating to 3 GB fails alone", case_pdf_bomb, ("local",),
              HOSTILE + "test_pdf_bombs_fail_alone_and_the_rest_is_published_under_a_4_gb_limit"),
    FaultCase("24.6", "one stream drawn by 20 pages", case_shared_stream, ("local",),
              "tests/parse/test_bad_pdfs.py::test_one_stream_drawn_by_every_page_counts_once_per_page"),
    FaultCase("24.6", "YAML alias bomb refused at once", case_yaml_bomb, ("local",),
              HOSTILE + "test_an_alias_bomb_manifest_is_refused_at_once_naming_the_file"),
    FaultCase("24.6", "dripping source, fair poll", case_drip, ("local",),
              HOSTILE + "test_a_hostile_venue_neither_holds_the_watch_nor_starves_another[drip-body]"),
    FaultCase("24.6", "announcement page over the cap", case_page_cap, ("local",),
              HOSTILE + "test_a_hostile_venue_neither_holds_the_watch_nor_starves_another[huge]"),
    FaultCase("24.7", "no secret or place published", case_secrets, ("local",),
              HOSTILE + "test_no_secret_and_no_local_place_is_published_or_printed"),
    FaultCase("24.8", "SSRF through NAT64 / 6to4", case_ssrf, ("local",),
              HOSTILE + "test_links_to_internal_addresses_in_any_ipv6_form_are_refused"),
]  # fmt: skip

# Every block of cases, in order; a new block is one more line here.
TABLE: list[FaultCase] = [*block(CASES), *SECOND_ACTOR_CASES, *HOSTILE_CASES]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", type=Path, default=HERE, help="source tree whose CLI is tested")
    parser.add_argument("--stores", default="local,s3")
    parser.add_argument("--scale", type=int, default=10_000, help="entries of the scale case")
    parser.add_argument("--only", default="", help="comma-separated items, e.g. 4,5 or 24.1,24.2")
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="faults-prefect-"))
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        os.environ.setdefault(name, value)  # the moto server takes any; the bench reads the store with them
    import logging

    from moto.server import ThreadedMotoServer
    from prefect.server.api.server import SubprocessASGIServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log

    work = Path(tempfile.mkdtemp(prefix="paperpanels-faults-"))
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    server = SubprocessASGIServer()
    server.start(timeout=120)
    bench = Bench(args.tree.resolve(), work, server.api_url)
    host, port = moto.get_host_and_port()
    bench.endpoint = f"http://{host}:{port}"
    only = {x for x in args.only.split(",") if x}
    passed = total = 0
    print(f"tree {bench.tree}; stores {args.stores}")
    try:
        for fault in TABLE:
            if only and fault.item not in only:
                continue
            for store in args.stores.split(","):
                if store not in fault.stores:
                    continue
                started = time.monotonic()
                try:
                    if fault.run is case_scale:
                        ok, detail = case_scale(bench, store, args.scale)
                    else:
                        ok, detail = fault.run(bench, store)
                except Exception as exc:  # a case that crashes the harness is a broken case
                    ok, detail = False, f"{type(exc).__name__}: {exc}"
                total += 1
                passed += ok
                took = time.monotonic() - started
                test = f"  [{fault.test}]" if fault.test else ""
                print(
                    f"{'held  ' if ok else 'BROKEN'}  {fault.item:>4} {fault.name:<38} {store:<5} "
                    f"{took:5.0f} s  {detail}{test}",
                    flush=True,
                )
    finally:
        server.stop()
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"total: {passed}/{total} held")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
