"""Work pools, concurrency and rate limits, result-storage blocks: what the deployments need.

Idempotent: `paperpanels bootstrap` (and `deploy`) can be run again at any time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from config.settings import Settings

K8S_TEMPLATES = Path(__file__).resolve().parents[2] / "infra" / "k8s"


def _work_pools(settings: Settings) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(name, type, base job template): `paperpanels-k8s-<kind>` from infra/k8s/<kind>-pool.json,
    and process pools for the configured pool names that are not among them."""
    templates = sorted(K8S_TEMPLATES.glob("*.json")) if K8S_TEMPLATES.is_dir() else []
    pools: list[tuple[str, str, dict[str, Any] | None]] = [
        (f"paperpanels-k8s-{p.stem.removesuffix('-pool')}", "kubernetes", json.loads(p.read_text()))
        for p in templates
    ]
    k8s = {name for name, _, _ in pools}
    for name in dict.fromkeys([settings.ops.work_pool, settings.ops.gpu_work_pool]):
        if name not in k8s:
            pools.append((name, "process", None))
    return pools


def ensure_infrastructure(settings: Settings) -> list[str]:
    """Work pools, the `gpu` limit, `llm`/`arxiv` rate limits, the S3 result block; says what it did."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    ops = settings.ops
    done: list[str] = []
    with get_client(sync_client=True) as client:
        for name, pool_type, template in _work_pools(settings):
            try:
                client.read_work_pool(name)
                done.append(f"work pool {name}: exists")
            except ObjectNotFound:
                create = WorkPoolCreate(name=name, type=pool_type, base_job_template=template or {})
                try:
                    client.create_work_pool(create)
                    done.append(f"work pool {name} ({pool_type}): created")
                except ObjectAlreadyExists:
                    done.append(f"work pool {name}: exists")
        client.upsert_global_concurrency_limit_by_name("gpu", ops.gpu_slots)  # concurrency("gpu")
        client.create_concurrency_limit(tag="gpu", concurrency_limit=ops.gpu_slots)  # tasks tagged gpu
        done.append(f"concurrency limit gpu: {ops.gpu_slots}")
        done += ensure_rate_limits(client, ops)
    block = ensure_result_block(settings)
    if block:
        done.append(f"result storage: s3-bucket/{block}")
    return done


def ensure_rate_limits(client: Any, ops: Any) -> list[str]:
    """The `llm` and `arxiv` rate limits the stages ask for (rate_limit(...)); says what it did."""
    done = []
    for name, per_minute in (("llm", ops.llm_per_minute), ("arxiv", ops.arxiv_per_minute)):
        decay = per_minute / 60
        client.upsert_global_concurrency_limit_by_name(name, per_minute, slot_decay_per_second=decay)
        done.append(f"rate limit {name}: {per_minute}/min")
    return done


def ensure_result_block(settings: Settings) -> str | None:
    """Save the AwsCredentials + S3Bucket blocks task results go to when the store is on S3."""
    if not settings.store.uri.startswith("s3://"):
        return None
    from prefect_aws import AwsCredentials, S3Bucket

    s = settings.store
    bucket, _, prefix = s.uri.removeprefix("s3://").partition("/")
    params: dict[str, Any] = {"endpoint_url": s.endpoint_url} if s.endpoint_url else {}
    creds = AwsCredentials(
        aws_access_key_id=s.access_key_id.get_secret_value() if s.access_key_id else None,
        aws_secret_access_key=s.secret_access_key,
        region_name=s.region,
        aws_client_parameters=params,
    )
    creds.save("paperpanels-aws", overwrite=True)
    name: str = settings.ops.result_block or "paperpanels-results"
    folder = f"{prefix.strip('/')}/prefect-results".lstrip("/")
    S3Bucket(bucket_name=bucket, bucket_folder=folder, credentials=creds).save(name, overwrite=True)
    return name
