"""Parallel where it pays: a conference's stages on threads, processes or Dask, against the stages alone.

    .venv/bin/python bench/scale_bench.py [--sizes 4,16,48] [--concurrency 1,2,N] \
        [--runners local,threads,dask] [--rounds 1] [--fixtures ../shared/fixtures]

Synthetic conferences of 4 / 16 / 48 papers are built from the fixture PDFs (each paper its own
id, so nothing is shared through caches). For each size, in one run and interleaved round by round:
- baseline: the same stage functions (acquire, parse, repro card, summarize, sketch comic) called
  directly, one paper after another, then the conference's overview and its release (publish), in a
  fresh process: the stage and publishing work with no orchestration at all;
- a cold `award_digest` per runner and concurrency, each in a fresh process with an empty store
  and an empty Prefect result cache, against one Prefect server started for the bench (its start
  is not counted: `paperpanels digest` pays it once per command, see the warm no-op figure).

Printed per run: wall s, CPU s (the run's processes and their children, and the Prefect server's
CPU during the run: orchestration is not understated), peak RSS of the whole process tree
(sampled), speed-up = baseline wall / wall, overhead % = CPU beyond the baseline's CPU
(orchestration: Prefect task runs, state reporting, the server, pickling to processes), and first
stage = seconds from the command (the interpreter's start) to its first stage's task run starting,
as the server recorded it. Then the warm no-op:
`paperpanels digest` on the 16-paper conference right after its cold run (answers "up to date"
without starting Prefect) against the same command with --force.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.runtime.runners import cores  # noqa: E402
from tests.fixture_conference import PDF_BY_TITLE_START  # noqa: E402
from tests.ops.stack import start_prefect_server, stop  # noqa: E402

SLUG = "scale-2025"

# Run in a fresh interpreter: one conference, one way; prints one JSON line of figures.
CHILD = r"""
import time
t_cmd = time.time()
import json, sys
mode, slug, store = sys.argv[1:4]
from config.settings import get_settings
settings = get_settings().with_values(**{"store.uri": store})
start = time.perf_counter()
if mode == "baseline":
    from tasks.backends import backends_for
    from tasks.harvest.manifest import load_conference
    from tasks.stages import PaperWork
    from tasks.models import StageName, StageOutcome
    from tasks.overview import read_stored
    from tasks.publish.publisher import paper_result, publish
    from tasks.stages import conference_overview
    from tasks.stages.plain import run_paper
    # Outside a Prefect run the stages log to a plain logger (no LLM here: no rate limit is asked).
    conf = load_conference(slug, settings.conferences_dir)
    run = backends_for(settings)
    results = []
    for entry in conf.entries:
        stages = run_paper(PaperWork(slug, entry), run)
        outcomes = {StageName(n): StageOutcome.finished(r) for n, r in stages.items()}
        results.append(paper_result(entry, outcomes, run.store))
    # The same last steps as the flow's, as plain calls: the overview, then the release.
    overview = read_stored(run.store, conference_overview.fn(conf, results, run).outputs)
    lease, url = float(settings.store.release_lease_s), settings.publish.base_url
    digest, _ = publish(conf, results, run.store, overview=overview, lease_s=lease, base_url=url)
    done = sum(r.status.value == "done" for r in digest.results)
    first = None
else:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from flows.digest import award_digest
    state = award_digest(conference=slug, settings=settings, return_state=True)
    done = sum(r.status.value == "done" for r in state.result().results)
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
    first = min(r.start_time.timestamp() for r in runs if r.start_time) - t_cmd
wall = time.perf_counter() - start
print(json.dumps({"wall": wall, "done": done, "first": first}))
"""


@dataclass
class Figures:
    wall: float
    cpu: float
    peak_mib: float
    done: int
    first: float | None = None  # seconds from the command to the first stage


def process_cpu(pid: int) -> float:
    import psutil

    t = psutil.Process(pid).cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def tree_rss(pid: int) -> int:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total


def tree_cpu(pid: int, seen: dict[int, float]) -> None:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        try:
            t = p.cpu_times()
            seen[p.pid] = t.user + t.system
        except psutil.NoSuchProcess:
            pass


def run_child(mode: str, env: dict[str, str], store: Path, server_pid: int) -> Figures:
    server_before = process_cpu(server_pid)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, SLUG, str(store)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    cpu: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(proc.pid))
            tree_cpu(proc.pid, cpu)
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{err[-3000:]}")
    figures = json.loads(out.strip().splitlines()[-1])
    server = process_cpu(server_pid) - server_before if mode != "baseline" else 0.0
    return Figures(
        figures["wall"], sum(cpu.values()) + server, peak / 2**20, figures["done"], figures["first"]
    )


def build_conference(fixtures: Path, work: Path, papers: int) -> None:
    """A manifest of `papers` entries, each with its own id and a copy of one of the fixture PDFs."""
    folder = work / "papers"
    folder.mkdir(parents=True)
    pdfs = sorted(PDF_BY_TITLE_START.items())
    entries = []
    for i in range(papers):
        title_start, file = pdfs[i % len(pdfs)]
        paper_id = f"2501.{i + 1:05d}"
        shutil.copyfile(fixtures / "pdfs" / file, folder / f"{paper_id}.pdf")
        entries.append(
            {"title": f"{title_start} (copy {i})", "award": "best paper", "ids": {"arxiv": paper_id}}
        )
    (work / "conferences").mkdir()
    body = {"slug": SLUG, "name": f"Scale {papers}", "year": 2025, "entries": entries}
    (work / "conferences" / f"{SLUG}.yaml").write_text(yaml.safe_dump(body))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fixtures", type=Path, default=ROOT.parent / "shared" / "fixtures")
    parser.add_argument("--sizes", default="4,16,48")
    parser.add_argument("--concurrency", default="1,2,N", help="N = the cores this process may use")
    parser.add_argument("--runners", default="local,threads,dask")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-warm", action="store_true", help="skip the warm no-op figure")
    args = parser.parse_args()
    n = cores()
    sizes = [int(s) for s in args.sizes.split(",")]
    concurrencies = sorted({n if c == "N" else int(c) for c in args.concurrency.split(",")})
    runners = args.runners.split(",")
    print(f"{n} cores; sizes {sizes}; concurrency {concurrencies}; runners {runners}; rounds {args.rounds}")

    with tempfile.TemporaryDirectory(prefix="pp-scale-") as tmp:
        work = Path(tmp)
        (work / "server").mkdir()
        server, api = start_prefect_server(work / "server")
        try:
            for size in sizes:
                conf = work / f"size-{size}"
                build_conference(args.fixtures, conf, size)
                base_env = {
                    **os.environ,
                    "PREFECT_API_URL": api,
                    "PREFECT_LOGGING_LEVEL": "WARNING",
                    "PAPERPANELS_CONFERENCES_DIR": str(conf / "conferences"),
                    "PAPERPANELS_PAPERS_DIR": str(conf / "papers"),
                    "PAPERPANELS_HARVEST__DOWNLOAD": "false",
                    "PAPERPANELS_COMIC__RENDERER": "sketch",
                }
                plan = [("baseline", None, 1)] + [(r, r, c) for r in runners for c in concurrencies]
                rows: dict[str, list[Figures]] = {}
                for round_no in range(args.rounds):
                    order = plan if round_no % 2 == 0 else list(reversed(plan))  # interleaved
                    for i, (_name, runner, conc) in enumerate(order):
                        run_dir = conf / f"run-{round_no}-{i}"
                        (run_dir / "home").mkdir(parents=True)
                        env = {
                            **base_env,
                            "PREFECT_HOME": str(run_dir / "home"),
                            "PAPERPANELS_CONCURRENCY": str(conc),
                            "PAPERPANELS_OPS__TASK_RUNNER": runner or "threads",
                        }
                        label = (
                            "baseline (stages called directly)" if runner is None else f"{runner} c={conc}"
                        )
                        mode = "baseline" if runner is None else "flow"
                        figures = run_child(mode, env, run_dir / "store", server.pid)
                        rows.setdefault(label, []).append(figures)
                        shutil.rmtree(run_dir, ignore_errors=True)
                report(size, rows)
                if size == 16 and not args.no_warm:
                    warm_noop(conf, base_env)
                    first_stage(conf, base_env, api)
        finally:
            stop(server)
    return 0


def report(size: int, rows: dict[str, list[Figures]]) -> None:
    def best(fs: list[Figures]) -> Figures:
        return min(fs, key=lambda f: f.wall)

    base = best(rows["baseline (stages called directly)"])
    print(f"\n{size} papers")
    print(
        f"{'run':38} {'wall s':>7} {'CPU s':>7} {'peak MiB':>9} {'speed-up':>9} {'overhead':>9} "
        f"{'1st stage':>9} done"
    )
    for label, figures in rows.items():
        f = best(figures)
        speedup = base.wall / f.wall
        overhead = 100.0 * (f.cpu - base.cpu) / base.cpu
        first = "-" if f.first is None else f"{f.first:8.1f}s"
        print(
            f"{label:38} {f.wall:7.1f} {f.cpu:7.1f} {f.peak_mib:9.0f} {speedup:8.2f}x {overhead:8.0f}% "
            f"{first:>9} {f.done}/{size}"
        )


def warm_noop(conf: Path, base_env: dict[str, str]) -> None:
    """`paperpanels digest` twice on one store: cold, then with nothing to do; and --force."""
    env = {k: v for k, v in base_env.items() if k != "PREFECT_API_URL"}  # the CLI starts its own server
    env |= {"PREFECT_HOME": str(conf / "warm-home"), "PAPERPANELS_STORE__URI": str(conf / "warm-store")}
    cli = [sys.executable, "-m", "flows.cli", "digest", SLUG]  # this tree's code (cwd=ROOT)
    timings = {}
    for label, extra in (("cold", []), ("warm no-op", []), ("warm --force", ["--force"])):
        start = time.perf_counter()
        done = subprocess.run(cli + extra, env=env, cwd=ROOT, capture_output=True, text=True)
        timings[label] = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{label} failed:\n{done.stderr[-3000:]}")
        if label == "warm no-op" and "up to date" not in done.stdout:
            raise RuntimeError(f"the warm run did not answer 'up to date':\n{done.stdout[-2000:]}")
    cold = timings["cold"]
    print("\nwarm no-op, 16 papers, `paperpanels digest` (own Prefect server, as a user runs it)")
    for label, seconds in timings.items():
        print(f"{label:14} {seconds:7.2f} s   {100 * seconds / cold:5.1f} % of cold")


def first_stage(conf: Path, base_env: dict[str, str], api: str, rounds: int = 3) -> None:
    """`paperpanels digest --force` (the CLI, a fresh interpreter) with a server already up (the bench's,
    as `paperpanels server` keeps one): seconds from the command to its flow run and to its first
    stage's task run starting, as the server recorded them."""
    import httpx

    env = base_env | {"PREFECT_HOME": str(conf / "first-home"), "PAPERPANELS_STORE__URI": str(conf / "first")}
    cli = [sys.executable, "-m", "flows.cli", "digest", SLUG, "--force"]
    print("\n`paperpanels digest --force`, 16 papers, a Prefect server up: command -> flow run -> 1st stage")
    for _ in range(rounds):
        started = time.time()
        done = subprocess.run(cli, env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"digest failed:\n{done.stderr[-3000:]}")
        ours = {  # this command's digest: the award-digest run started after it
            "flows": {"name": {"any_": ["award-digest"]}},
            "flow_runs": {"start_time": {"after_": datetime.fromtimestamp(started, UTC).isoformat()}},
        }
        (flow_run,) = httpx.post(f"{api}/flow_runs/filter", json=ours, timeout=10).json()
        task_runs = httpx.post(  # the earliest first: a page of the API's default size holds the first
            f"{api}/task_runs/filter",
            json={"flow_runs": {"id": {"any_": [flow_run["id"]]}}, "sort": "EXPECTED_START_TIME_ASC"},
            timeout=10,
        ).json()
        first = min(_timestamp(t["start_time"]) for t in task_runs if t.get("start_time"))
        print(
            f"flow run {_timestamp(flow_run['start_time']) - started:5.2f} s   "
            f"1st stage {first - started:5.2f} s   whole command {time.time() - started:6.2f} s"
        )


def _timestamp(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


if __name__ == "__main__":
    raise SystemExit(main())
