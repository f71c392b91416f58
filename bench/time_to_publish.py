"""Time from an award post appearing to its digest being published, split by stage.

The whole loop on real processes, as tests/ops/test_server_e2e.py runs it: a Prefect server,
`paperpanels serve` (watch-awards every few seconds), moto S3, a conference blog on 127.0.0.1 whose
feed gains the award post at t0, the real OpenAI client against the replay server with an injected
latency per call (default 8 s, a hosted model's answer time), the arXiv replay, the local parser and
the sketch renderer. Two runs in one go: the LLM answering at once (the pipeline's own overhead, the
baseline) and with the latency.

Printed per run: post -> published, each stage's span and task time, the model's calls in flight
at most, and the critical path: the longest chain of one paper's stages (acquire + parse +
the longer of repro and summarize + comic, from the task runs' own start and end times), with
the harvest before it and the publish after it. Post -> published over that floor is the time
spent waiting for a pool, a slot or the server rather than on the paper's own calls.

The announcement names 10 real papers whose PDFs are in ../shared/fixtures (built by this bench in
the layout of an ACL awards page; the arXiv answers it serves are built here too: ids of papers not
known to be on arXiv are placeholders, nothing is fetched by id since the PDFs come from a folder).

    python bench/time_to_publish.py                 # baseline, then 8 s per LLM call
    python bench/time_to_publish.py --latency 4 --no-baseline
    python bench/time_to_publish.py --no-baseline --llm-concurrency 8 16   # one slow run per value

The projection swaps the sketch comics for the diffusion renderer at the GPU page time measured by
bench/comic_gpu.py on an H200 (NOTES.md: 2.94 s per 4-panel page, batched), one GPU slot.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config.settings import HOSTED_LLM_CALLS  # noqa: E402
from tasks.models import slugify  # noqa: E402
from tests.harvest.announcement_site import Post, Site, write_calendar  # noqa: E402
from tests.harvest.replay import atom_feed, replay_server  # noqa: E402
from tests.ops.stack import Operator, epoch, ops_environment, run_app, start_prefect_server, stop  # noqa: E402
from tests.summarize.openai_server import API_KEY, ReplayServer  # noqa: E402
from tests.summarize.replay import MODEL, prices_file  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures"
GPU_PAGE_S = 2.94  # bench/comic_gpu.py, H200, FLUX.1-schnell 4 panels, batched (NOTES.md)
SLUG = "acme-2025"
# (PDF under fixtures, arXiv id the bench's arXiv answer carries: real where known, else a placeholder)
PAPERS = [
    ("pdfs/specter_2020.acl-main.207.pdf", "2004.07180"),
    ("pdfs/literature_graph_N18-3011.pdf", "1805.02262"),
    ("pdfs/papermage_emnlp2023_demo.pdf", "2501.00003"),
    ("pdfs/futoma2017_mgp_rnn_1708.05894v1.pdf", "1708.05894"),
    ("corpus/pdfs/ppo_arxiv2017.pdf", "1707.06347"),
    ("corpus/pdfs/rethinking_generalization_iclr2017.pdf", "1611.03530"),
    ("corpus/pdfs/transcoder_neurips2020_preprint.pdf", "2006.03511"),
    ("corpus/pdfs/wann_neurips2019.pdf", "1906.04358"),
    ("corpus/pdfs/numeracy_literacy.pdf", "2501.00009"),
    ("corpus/pdfs/cabace_aaai.pdf", "2501.00010"),
]
AWARDS = ["Best Paper Award"] * 2 + ["Outstanding Paper Award"] * 6 + ["Honorable Mention"] * 2


def _truth() -> dict[str, dict[str, Any]]:
    """Title and authors of each bench paper, from the fixtures' ground truth."""
    corpus = json.loads((FIXTURES / "corpus" / "truth.json").read_text())
    pdfs = {
        "pdfs/specter_2020.acl-main.207.pdf": (
            "SPECTER: Document-level Representation Learning using Citation-informed Transformers",
            ["Arman Cohan", "Sergey Feldman", "Iz Beltagy", "Doug Downey", "Daniel S. Weld"],
        ),
        "pdfs/literature_graph_N18-3011.pdf": (
            "Construction of the Literature Graph in Semantic Scholar",
            ["Waleed Ammar", "Dirk Groeneveld", "Chandra Bhagavatula", "Iz Beltagy"],
        ),
        "pdfs/papermage_emnlp2023_demo.pdf": (
            "PaperMage: A Unified Toolkit for Processing, Representing, and Manipulating "
            "Visually-Rich Scientific Documents",
            ["Kyle Lo", "Zejiang Shen", "Benjamin Newman", "Joseph Chee Chang"],
        ),
        "pdfs/futoma2017_mgp_rnn_1708.05894v1.pdf": (
            "An Improved Multi-Output Gaussian Process RNN with Real-Time Validation for Early "
            "Sepsis Detection",
            ["Joseph Futoma", "Sanjay Hariharan", "Katherine Heller", "Mark Sendak"],
        ),
    }
    out = {}
    for path, _ in PAPERS:
        if path in pdfs:
            title, authors = pdfs[path]
        else:
            rec = corpus[path.rsplit("/", 1)[1]]
            title, authors = rec["title"], rec["authors"]
        out[path] = {"title": title, "authors": authors}
    return out


def announcement(papers: list[dict[str, Any]]) -> str:
    """An awards page in the layout of the ACL ones: award headings, bold titles, italic authors."""
    parts = ["<h1>ACME 2025 Best Paper Awards</h1><p>We are delighted to announce the awards.</p>"]
    for award in dict.fromkeys(AWARDS):
        parts.append(f"<h2>{award}s</h2>")
        for p in papers:
            if p["award"] == award:
                parts.append(f"<p><strong>{p['title']}</strong><br/><em>{', '.join(p['authors'])}</em></p>")
    return "<!DOCTYPE html><html><body>" + "".join(parts) + "</body></html>"


def run_once(
    latency: float, work: Path, s3_endpoint: str, api: str, llm_concurrency: int | None = None
) -> dict[str, Any]:
    import boto3

    calls = llm_concurrency or HOSTED_LLM_CALLS  # model calls in flight: the run's, or a hosted API's
    bucket = f"ttp-{int(time.time() * 1000) % 10**9}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    truth = _truth()
    papers = [
        {**truth[path], "arxiv": arxiv, "award": award}
        for (path, arxiv), award in zip(PAPERS, AWARDS, strict=True)
    ]
    (work / "papers").mkdir(parents=True)
    (work / "conferences").mkdir()
    for (path, _), p in zip(PAPERS, papers, strict=True):
        shutil.copyfile(FIXTURES / path, work / "papers" / f"{slugify(p['title'])}.pdf")
    llm = ReplayServer().start()
    llm.state.default, llm.state.slow_s = "slow", latency

    def read_awards(text: str, mode: str) -> dict[str, Any]:
        return {
            "papers": [
                {
                    "title": p["title"],
                    "award": p["award"].lower().removesuffix(" award"),
                    "award_text": p["award"],
                    "authors": p["authors"],
                    "source_text": p["title"],
                }
                for p in papers
                if p["title"] in text
            ]
        }

    llm.state.answers["AnnouncedAwards"] = read_awards
    with Site() as site, replay_server(FIXTURES) as replay:
        from tasks.harvest.arxiv import title_query

        for p in papers:
            feed = atom_feed([{"id": p["arxiv"], "title": p["title"], "authors": p["authors"]}])
            replay.arxiv[("", title_query(p["title"]))] = (
                200,
                {"Content-Type": "application/atom+xml"},
                feed,
            )
        site.add_other_post("Call for Papers", "Submissions are due on 23 June.")
        env = ops_environment(api, s3_endpoint, bucket, work, work / "conferences", work / "papers")
        env.update(
            PAPERPANELS_HARVEST__CALENDAR_FILE=str(
                write_calendar(work / "calendar.yaml", "acme", "ACME", f"{site.url}/feed.xml")
            ),
            PAPERPANELS_HARVEST__WATCH_MIN_INTERVAL_S="0",
            PAPERPANELS_HARVEST__ARXIV_API=f"{replay.url}/arxiv/api/query",
            PAPERPANELS_HARVEST__OPENREVIEW_API=f"{replay.url}/openreview",
            PAPERPANELS_HARVEST__SEMANTIC_SCHOLAR_API=f"{replay.url}/s2/graph/v1",
            PAPERPANELS_HARVEST__ARXIV_INTERVAL_S="0",
            PAPERPANELS_HARVEST__SEMANTIC_SCHOLAR_INTERVAL_S="0",
            PAPERPANELS_OPS__WATCH_INTERVAL_S="5",
            PAPERPANELS_OPS__WATCH_AS_OF="2025-07-30",
            PAPERPANELS_OPS__GPU_SLOTS="1",
            PAPERPANELS_LLM__MODEL=MODEL,
            PAPERPANELS_LLM__BASE_URL=llm.url,
            PAPERPANELS_LLM__API_KEY=API_KEY,
            PAPERPANELS_LLM__PRICES_FILE=str(prices_file(work)),
            PAPERPANELS_LLM__TIMEOUT_S=str(max(30.0, latency * 4)),
        )
        # The replay server stands in for a hosted API: its default, though it answers on 127.0.0.1
        # (where the default is a local model's, config/settings.py LLMSettings.calls_at_once).
        env["PAPERPANELS_LLM__CONCURRENCY"] = str(calls)
        done = run_app(env, "bootstrap")
        if done.returncode:
            raise SystemExit(done.stderr.decode()[-2000:])
        operator = Operator(env, work / "serve.log")
        operator.serve()
        try:
            deadline = time.monotonic() + 120
            while not any(
                r["state_type"] == "COMPLETED" for r in operator.runs_of("watch-awards/watch-awards")
            ):
                if time.monotonic() > deadline:
                    raise SystemExit(f"no watch run completed: {operator.log.read_text()[-3000:]}")
                time.sleep(0.5)
            s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
            html = announcement(papers)
            t0 = time.time()
            site.posts.append(Post(title="ACME 2025 Best Paper Awards", link=f"{site.url}/awards", html=html))
            deadline = time.monotonic() + 900
            while True:
                listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"pp/{SLUG}/current.json")
                if listed.get("KeyCount"):
                    t_pub = time.time()
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"not published in 900 s: {operator.log.read_text()[-3000:]}")
                time.sleep(0.25)
            time.sleep(2)  # the publish task's end reaches the server
            stages, chain = _stages(operator, t0, t_pub)
            polls = _watch_polls(operator, t_pub)
        finally:
            operator.stop()
            llm.stop()
    digest = json.loads(
        s3.get_object(
            Bucket=bucket,
            Key=f"pp/{SLUG}/releases/"
            + json.loads(s3.get_object(Bucket=bucket, Key=f"pp/{SLUG}/current.json")["Body"].read())[
                "release"
            ]
            + "/digest.json",
        )["Body"].read()
    )
    statuses: dict[str, int] = defaultdict(int)
    for r in digest["results"]:
        statuses[r["status"]] += 1
    return {
        "latency": latency,
        "llm_concurrency": calls if llm_concurrency else f"{calls} (a hosted API's default)",
        "total": t_pub - t0,
        "stages": stages,
        "llm_calls": len(llm.requests),
        "llm_in_flight": llm.state.max_in_flight,
        "chain": chain,
        "statuses": dict(statuses),
        "polls": polls,
        "served_s": t_pub - epoch(operator.started),
    }


def _watch_polls(operator: Operator, t_pub: float) -> dict[str, int]:
    """The watch's scheduled polls that were due while serve ran, by end state: a cancelled poll
    found the previous one still holding the deployment's one slot (flows/runtime/deployments.py)."""
    states: dict[str, int] = defaultdict(int)
    for run in operator.runs_of("watch-awards/watch-awards", since=operator.started):
        if epoch(run["expected_start_time"]) <= t_pub and run["state_type"] != "SCHEDULED":
            states[run["state_type"].lower()] += 1
    return dict(states)


PAPER_STAGES = ("acquire", "parse", "card", "summarize", "comic")
Spans = dict[str, dict[str, tuple[float, float]]]  # paper -> stage -> (start, end), epoch seconds


def _paper_spans(runs: list[dict[str, Any]]) -> Spans:
    """Each paper's completed stages, from their task runs' own start and end times."""
    spans: Spans = defaultdict(dict)
    for r in runs:
        name, _, pid = r["name"].partition(" ")
        if r["state_type"] == "COMPLETED" and pid and name in PAPER_STAGES:
            spans[pid][name] = (epoch(r["start_time"]), epoch(r["end_time"]))
    return spans


def _critical_path(spans: Spans) -> dict[str, Any]:
    """The longest chain of one paper's stages: acquire, parse, then the longer of repro (card) and
    summarize + comic, each its task run's own duration."""
    chains = {}
    for pid, stages in spans.items():
        t = {name: end - start for name, (start, end) in stages.items()}
        after_parse = max(t.get("card", 0.0), t.get("summarize", 0.0) + t.get("comic", 0.0))
        chains[pid] = (t.get("acquire", 0.0) + t.get("parse", 0.0) + after_parse, t)
    if not chains:
        return {"paper": "", "seconds": 0.0, "stages": {}}
    pid = max(chains, key=lambda p: chains[p][0])
    return {"paper": pid, "seconds": chains[pid][0], "stages": chains[pid][1]}


def _last_paper(spans: Spans, t0: float) -> dict[str, Any]:
    """The paper that finished last: each of its stages' start and end after t0. The gaps between
    them are what it waited for (a core for the parse, a model slot inside summarize and comic)."""
    if not spans:
        return {"paper": "", "stages": {}}
    pid = max(spans, key=lambda p: max(end for _, end in spans[p].values()))
    stages = sorted(spans[pid].items(), key=lambda kv: kv[1][0])
    return {"paper": pid, "stages": {name: (a - t0, b - t0) for name, (a, b) in stages}}


def _stages(
    operator: Operator, t0: float, t_pub: float
) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Each stage's span after t0 (first start to last end) and summed task time, from the server;
    and the critical path of one paper."""
    after = {"start_time": {"after_": datetime.fromtimestamp(t0).astimezone().isoformat()}}
    runs = operator.api.post("/task_runs/filter", json={"task_runs": after, "limit": 200}).json()
    flows = operator.api.post("/flow_runs/filter", json={"flow_runs": after}).json()
    groups: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in sorted(runs, key=lambda r: r["start_time"] or ""):
        name = r["name"].split()[0]
        if r["state_type"] != "COMPLETED" or name not in ORDER:
            continue
        if name == "harvest" and "harvest" in groups:
            continue  # later polls of the same post
        groups[name].append((epoch(r["start_time"]), epoch(r["end_time"])))
    for f in flows:
        if f["name"].endswith("digest (watch)") and f["start_time"]:
            groups["digest run"].append((epoch(f["start_time"]), epoch(f["end_time"]) or t_pub))
    out = {}
    for name, spans in groups.items():
        first, last = min(s for s, _ in spans), max(e for _, e in spans)
        out[name] = {
            "from": first - t0,
            "to": last - t0,
            "busy": sum(e - s for s, e in spans),
            "n": float(len(spans)),
        }
    papers = _paper_spans(runs)
    return out, {**_critical_path(papers), "last": _last_paper(papers, t0)}


ORDER = ["harvest", "start", "digest run", "acquire", "parse", "summarize", "comic", "publish"]


def report(result: dict[str, Any]) -> None:
    print(
        f"\nLLM latency {result['latency']:.0f} s per call, llm.concurrency {result['llm_concurrency']}: "
        f"published {result['total']:.1f} s after the post ({result['llm_calls']} LLM calls; papers "
        f"{result['statuses']})"
    )
    print(f"  {'stage':<12} {'from t0':>8} {'to':>8} {'task time':>10} {'tasks':>6}")
    for name in ORDER:
        st = result["stages"].get(name)
        if st:
            print(f"  {name:<12} {st['from']:>7.1f}s {st['to']:>7.1f}s {st['busy']:>9.1f}s {int(st['n']):>6}")
    chain, stages = result["chain"], result["stages"]
    steps = ", ".join(f"{name} {s:.1f}" for name, s in chain["stages"].items())
    harvest = stages.get("harvest", {}).get("to", 0.0)
    publish = stages.get("publish", {}).get("busy", 0.0)
    floor = harvest + chain["seconds"] + publish
    print(
        f"  critical path: {chain['seconds']:.1f} s, paper {chain['paper']} ({steps}); with the harvest "
        f"({harvest:.1f} s after the post) and the publish ({publish:.1f} s): a floor of {floor:.1f} s; "
        f"post -> published is {result['total'] / max(chain['seconds'], 1e-9):.2f}x the path, "
        f"{result['total'] - floor:+.1f} s over the floor"
    )
    # Every paper waits on the post's reading (the harvest's model call) before its first stage: with
    # that task before it, the chain of work and calls one paper's publication waits on, post to page.
    read = stages.get("harvest", {}).get("busy", 0.0)
    print(
        f"  with the post's reading before it (harvest task {read:.1f} s): {read + chain['seconds']:.1f} s; "
        f"post -> published is {result['total'] / max(read + chain['seconds'], 1e-9):.2f}x that chain"
    )
    last = chain.get("last", {})
    if last.get("stages"):
        steps = ", ".join(f"{name} {a:.1f}-{b:.1f}" for name, (a, b) in last["stages"].items())
        print(f"  the paper that finished last, {last['paper']} (seconds after the post): {steps}")
    print(f"  model calls in flight at most: {result['llm_in_flight']}")
    print(
        f"  watch polls due in the {result['served_s']:.0f} s serve ran, by how they ended: {result['polls']}"
    )
    comic = result["stages"].get("comic", {"busy": 0.0, "n": 0.0})
    gpu = comic["n"] * GPU_PAGE_S
    print(
        f"  projection with the diffusion renderer on one H200 ({GPU_PAGE_S} s/page, bench/comic_gpu.py): "
        f"+{gpu:.1f} s of GPU time for {int(comic['n'])} pages -> at most {result['total'] + gpu:.0f} s "
        "(pages drawn one after another on one GPU slot, all on the critical path)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=8.0, help="seconds per LLM call")
    parser.add_argument("--no-baseline", action="store_true", help="skip the run with an instant LLM")
    parser.add_argument(
        "--llm-concurrency",
        type=int,
        nargs="+",
        default=[0],
        help="a slow run per value (0: a hosted API's default)",
    )
    args = parser.parse_args()
    import logging
    import os

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's access log

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    work = Path(tempfile.mkdtemp(prefix="time-to-publish-"))
    (work / "server").mkdir()
    server, api = start_prefect_server(
        work / "server", PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS="1"
    )
    results = []
    try:
        slow_runs = [(args.latency, c) for c in args.llm_concurrency]
        runs = ([(0.0, 0)] if not args.no_baseline else []) + slow_runs
        for latency, concurrency in runs:
            where = work / f"run-{latency:g}-{concurrency}"
            result = run_once(latency, where, f"http://{host}:{port}", api, concurrency or None)
            report(result)
            results.append(result)
    finally:
        stop(server)
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)
    if len(results) >= 2 and not args.no_baseline:
        base = results[0]
        for slow in results[1:]:
            print(
                f"\nthe LLM's latency adds {slow['total'] - base['total']:.1f} s to the pipeline's own "
                f"{base['total']:.1f} s ({slow['llm_calls']} calls at {slow['latency']:.0f} s, "
                f"llm.concurrency {slow['llm_concurrency']})"
            )


if __name__ == "__main__":
    main()
