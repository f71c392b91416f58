"""Kubernetes base job templates: accepted by a real Prefect server as `kubernetes` work pools.

Prefect 3.9 serves the kubernetes worker's default template from its bundled collection registry,
so no prefect-kubernetes is needed to create (not to run) such pools; the server validates that
every placeholder of job_configuration is a declared variable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "infra" / "k8s"
PREFECT = [sys.executable, "-m", "prefect"]


def _template(kind: str) -> dict[str, Any]:
    data = json.loads((K8S / f"{kind}-pool.json").read_text())
    assert isinstance(data, dict)
    return data


def _rendered(kind: str, **values: Any) -> dict[str, Any]:
    """job_configuration with the variables' defaults (and overrides) filled in, as a worker does."""
    from prefect.utilities.templating import apply_values

    template = _template(kind)
    defaults = {k: v["default"] for k, v in template["variables"]["properties"].items() if "default" in v}
    return apply_values(template["job_configuration"], defaults | values)


@pytest.mark.parametrize("kind", ["cpu", "gpu"])
def test_template_structure(kind: str) -> None:
    from prefect.utilities.templating import find_placeholders

    template = _template(kind)
    assert set(template) == {"job_configuration", "variables"}
    variables = template["variables"]
    assert variables["type"] == "object"
    declared = set(variables["properties"])
    used = {p.name for p in find_placeholders(template["job_configuration"])}
    assert used <= declared, used - declared
    for name in ("image", "namespace", "cpu_request", "memory_request", "node_selector", "tolerations"):
        assert name in declared and "default" in variables["properties"][name], name

    pod = _rendered(kind)["job_manifest"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
    assert pod["nodeSelector"]["paperpanels.io/pool"] == kind
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert "{{" not in json.dumps(pod)


def test_gpu_pool_asks_for_a_gpu_and_tolerates_gpu_nodes() -> None:
    pod = _rendered("gpu")["job_manifest"]["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
    two = _rendered("gpu", gpu_count=2)["job_manifest"]["spec"]["template"]["spec"]
    assert two["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 2
    # Compiled graphs survive the job: a claim mounted where comic.speed.cache_dir points.
    (claim,) = [v for v in pod["volumes"] if v["name"] == "compile-cache"]
    assert claim["persistentVolumeClaim"]["claimName"] == "paperpanels-compile-cache"
    mounts = pod["containers"][0]["volumeMounts"]
    assert {"name": "compile-cache", "mountPath": "/data/compile-cache"} in mounts
    env = _template("gpu")["variables"]["properties"]["env"]["default"]
    assert env["PAPERPANELS_COMIC__SPEED__CACHE_DIR"] == "/data/compile-cache"
    cpu = _rendered("cpu")["job_manifest"]["spec"]["template"]["spec"]
    assert "nvidia.com/gpu" not in cpu["containers"][0]["resources"]["limits"]
    assert cpu["tolerations"] == []


@pytest.fixture
def server_env(prefect_api: str) -> dict[str, str]:
    """The `prefect` CLI's environment: the worker's Prefect server (tests/conftest.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return env | {"DO_NOT_TRACK": "1", "PREFECT_API_URL": prefect_api}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PREFECT, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("kind", ["cpu", "gpu"])
def test_work_pool_create_accepts_the_template(server_env: dict[str, str], kind: str) -> None:
    """The runbook's command: `prefect work-pool create NAME --type kubernetes --base-job-template FILE`."""
    name = f"k8s-{kind}-{uuid.uuid4().hex[:8]}"  # the server is shared: a pool of this test's own
    template = K8S / f"{kind}-pool.json"
    done = _cli(server_env, "work-pool", "create", name, "--type", "kubernetes",
                "--base-job-template", str(template), "--overwrite")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    pool = httpx.get(f"{server_env['PREFECT_API_URL']}/work_pools/{name}", timeout=10).json()
    assert pool["type"] == "kubernetes"
    assert pool["base_job_template"] == json.loads(template.read_text())


def test_work_pool_create_rejects_a_broken_template(server_env: dict[str, str], tmp_path: Path) -> None:
    """The check above can fail: an undeclared placeholder is refused by the server."""
    broken = _template("gpu")
    del broken["variables"]["properties"]["gpu_count"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    done = _cli(server_env, "work-pool", "create", f"broken-{uuid.uuid4().hex[:8]}", "--type", "kubernetes",
                "--base-job-template", str(path))  # fmt: skip
    assert done.returncode != 0
    assert "gpu_count" in done.stdout + done.stderr


def test_the_dask_cluster_runs_our_image_and_serves_the_documented_address() -> None:
    import yaml

    cluster = yaml.safe_load((K8S / "dask-cluster.yaml").read_text())
    assert cluster["apiVersion"] == "kubernetes.dask.org/v1" and cluster["kind"] == "DaskCluster"
    name, namespace = cluster["metadata"]["name"], cluster["metadata"]["namespace"]
    pool_image = json.loads((K8S / "cpu-pool.json").read_text())["variables"]["properties"]["image"][
        "default"
    ]
    (worker,) = cluster["spec"]["worker"]["spec"]["containers"]
    (scheduler,) = cluster["spec"]["scheduler"]["spec"]["containers"]
    assert worker["image"] == scheduler["image"] == pool_image
    ports = {p["port"] for p in cluster["spec"]["scheduler"]["service"]["ports"]}
    assert 8786 in ports
    # The operator names the scheduler service <cluster>-scheduler: the address the README gives.
    readme = (ROOT / "README.md").read_text() + (ROOT / "infra" / "README.md").read_text()
    assert f"tcp://{name}-scheduler.{namespace}:8786" in readme
