"""Writing a release to S3: one store request at a time, then the store's requests_at_once at once.

A release copies every paper artifact under its own folder and writes the digest files
(tasks/publish/release.py); on S3 each artifact is a HEAD and a server-side copy, each file a PUT,
and each waits on the network. The bench writes the same release of `--papers` papers (`--objects`
artifacts each, the digest files beside them) through the real boto3 client to a moto server on
127.0.0.1, behind tests/faults/proxy.py adding `--latency` ms to every request (a real S3 region
answers in ~10-100 ms; moto on this machine in ~5), once with one request at a time (the baseline:
what publishing did before) and once with the store's `requests_at_once`. Printed: seconds per release
and the speed-up.

    python bench/release_bench.py                       # 10 papers, 13 objects each, 30 ms
    python bench/release_bench.py --papers 48 --latency 60
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.models import PaperStatus
from tasks.publish import release
from tasks.store import open_store
from tests.faults.proxy import FaultProxy, Rule


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=10)
    parser.add_argument("--objects", type=int, default=13, help="artifacts per paper (a digest run has ~13)")
    parser.add_argument("--files", type=int, default=20, help="digest files (pages, feeds, json)")
    parser.add_argument("--latency", type=float, default=30.0, help="ms added to every S3 request")
    parser.add_argument("--rounds", type=int, default=2, help="releases written per setting")
    args = parser.parse_args()

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    upstream = f"http://{host}:{port}"
    creds = {"region": "us-east-1", "access_key_id": "bench", "secret_access_key": "bench"}
    boto3.client(
        "s3", endpoint_url=upstream, region_name="us-east-1", aws_access_key_id="bench",
        aws_secret_access_key="bench",
    ).create_bucket(Bucket="bench-releases")  # fmt: skip
    proxy = FaultProxy(upstream).start()
    for method in ("HEAD", "GET", "PUT", "DELETE", "POST"):
        proxy.add(Rule(method, r".", "delay", seconds=args.latency / 1000, times=10**9))
    direct = open_store("s3://bench-releases/pp", endpoint_url=upstream, **creds)
    store = open_store("s3://bench-releases/pp", endpoint_url=proxy.url, **creds)
    try:
        slug = "bench-2025"
        objects = {
            f"papers/p{p}/a{o}.bin": direct.put(f"{slug}/papers/p{p}/a{o}.bin", b"%d-%d " % (p, o) * 2000)
            for p in range(args.papers)
            for o in range(args.objects)
        }
        files = {f"page{i}.html": b"<p>%d</p>" % i * 500 for i in range(args.files)}
        requests = 2 * len(objects) + len(files)
        print(
            f"release of {args.papers} papers: {len(objects)} artifacts (HEAD + copy each) and {len(files)} "
            f"files, ~{requests} requests; {args.latency:.0f} ms added to each"
        )
        timings: dict[int, float] = {}
        for width in (1, store.requests_at_once):
            store.requests_at_once = width
            took = []
            for r in range(args.rounds):
                plan = release.ReleasePlan(
                    slug=slug, generated_at=datetime(2025, 12, 1, r, width, tzinfo=UTC),
                    files={**files, "digest.json": b"%d-%d" % (width, r)}, objects=objects,
                    papers={f"p{p}": PaperStatus.DONE for p in range(args.papers)},
                )  # fmt: skip
                current = release.read_current(direct, slug)
                started = time.perf_counter()
                release.publish_release(store, plan, current)
                took.append(time.perf_counter() - started)
            timings[width] = min(took)
            print(f"  {width:>2} at a time: {timings[width]:6.2f} s per release (best of {args.rounds})")
        one, many = timings[1], timings[max(timings)]
        print(f"  speed-up: {one / many:.1f}x")
    finally:
        proxy.stop()
        moto.stop()


if __name__ == "__main__":
    main()
