"""infra/docker-compose.yml and infra/.env.example, checked without a Docker engine.

`docker compose config` validates the file where a compose client works here; the structural checks
below run everywhere.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "infra" / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "infra" / ".env.example"
VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?-][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def documented() -> set[str]:
    """Names in .env.example, set (`X=`) or shown commented (`# X=`)."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.MULTILINE))


def test_docker_compose_config_validates_when_a_client_works(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True) if docker else None
    if probe is None or probe.returncode != 0:
        pytest.skip("no working `docker compose` client here: the structural checks below stand in")
    env = tmp_path / ".env"
    env.write_text(ENV_EXAMPLE.read_text())
    done = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "--env-file", str(env), "--profile", "gpu", "config", "-q"],
        capture_output=True, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()


def test_services_images_are_pinned_and_healthchecked(compose: dict[str, Any]) -> None:
    services = compose["services"]
    expected = {"postgres", "prefect-server", "grobid", "minio", "minio-init", "worker-cpu", "worker-gpu"}
    assert expected <= set(services)
    for name, svc in services.items():
        image = svc.get("image", "")
        assert image, f"{name}: no image"
        if "build" not in svc:  # third-party images: a fixed release tag, never latest or untagged
            tag = image.rsplit(":", 1)[-1] if ":" in image.split("/")[-1] else ""
            assert tag and tag != "latest" and re.search(r"\d", tag), f"{name}: image {image!r} is not pinned"
        one_shot = svc.get("restart") == "no"
        assert one_shot or "healthcheck" in svc, f"{name}: a long-running service needs a healthcheck"
        if "healthcheck" in svc:
            assert svc["healthcheck"]["test"], name


def test_stack_wiring(compose: dict[str, Any]) -> None:
    s = compose["services"]
    assert s["grobid"]["image"] in {"grobid/grobid:0.8.1", "lfoppiano/grobid:0.8.1"}
    db_url = s["prefect-server"]["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"]
    assert db_url.startswith("postgresql+asyncpg://") and "@postgres:5432/" in db_url
    assert s["prefect-server"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    # The bucket is made by a one-shot mc service once MinIO is healthy.
    init = s["minio-init"]
    assert init["image"].startswith("minio/mc:") and "mc mb --ignore-existing" in "\n".join(init["command"])
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"
    for worker, target in (("worker-cpu", "cpu"), ("worker-gpu", "gpu")):
        svc = s[worker]
        assert svc["build"] == {"context": "..", "target": target}
        cmd = svc["command"]
        assert cmd[:3] == ["prefect", "worker", "start"] and "--pool" in cmd and "--with-healthcheck" in cmd
        assert svc["environment"]["PREFECT_API_URL"] == "http://prefect-server:4200/api"
        assert (COMPOSE.parent / svc["build"]["context"] / "Dockerfile").is_file()
    # GPU: only under the `gpu` profile, with an NVIDIA device reservation.
    gpu = s["worker-gpu"]
    assert gpu["profiles"] == ["gpu"]
    (device,) = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and device["capabilities"] == ["gpu"]
    # Dask (ops.task_runner = dask): a scheduler and workers of our image under the `dask` profile.
    for name in ("dask-scheduler", "dask-worker"):
        assert s[name]["profiles"] == ["dask"] and s[name]["build"] == {"context": "..", "target": "cpu"}
    assert s["dask-worker"]["command"][:3] == ["dask", "worker", "tcp://dask-scheduler:8786"]
    env = s["worker-cpu"]["environment"]
    assert env["PAPERPANELS_OPS__DASK_ADDRESS"].endswith("tcp://dask-scheduler:8786}")
    # Redis for the stage locks across workers.
    assert s["redis"]["image"].startswith("redis:") and env["PAPERPANELS_OPS__REDIS_URL"].endswith(
        "redis://redis:6379/0}"
    )
    optional = {"worker-gpu", "comic-warm-up", "dask-scheduler", "dask-worker"}
    # The GPU worker starts after the one-shot comic warm-up, which fills the shared compile cache.
    warm = s["comic-warm-up"]
    assert warm["profiles"] == ["gpu"] and warm["restart"] == "no" and "comic-warm-up" in warm["command"][-1]
    assert gpu["depends_on"]["comic-warm-up"]["condition"] == "service_completed_successfully"
    for svc in (warm, gpu):
        assert "compile-cache:/data/compile-cache" in svc["volumes"]
        assert svc["environment"]["PAPERPANELS_COMIC__SPEED__CACHE_DIR"] == "/data/compile-cache"
    assert all("profiles" not in svc for name, svc in s.items() if name not in optional)


def test_named_volumes_are_declared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    used = set()
    for svc in compose["services"].values():
        for vol in svc.get("volumes", []):
            source = vol.split(":", 1)[0] if isinstance(vol, str) else vol.get("source", "")
            if source and not source.startswith((".", "/", "~", "$")):
                used.add(source)
    assert used, "state must live in named volumes"
    assert used <= declared, f"undeclared volumes: {used - declared}"
    assert {"postgres-data", "minio-data"} <= used


def test_every_interpolated_variable_is_documented() -> None:
    used = set(VAR.findall(COMPOSE.read_text()))
    assert used, "the compose file is expected to read settings from infra/.env"
    missing = used - documented()
    assert not missing, f"used in docker-compose.yml, missing from infra/.env.example: {sorted(missing)}"


def _setting_names(model: type[BaseModel], prefix: str) -> set[str]:
    names: set[str] = set()
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            names |= _setting_names(ann, f"{prefix}{name.upper()}__")
        else:
            names.add(f"{prefix}{name.upper()}")
    return names


def test_env_example_documents_every_paperpanels_setting() -> None:
    from config.settings import Settings

    settings = _setting_names(Settings, "PAPERPANELS_") | {"PAPERPANELS_CONFIG_FILE"}
    assert "PAPERPANELS_GROBID__URL" in settings and "PAPERPANELS_OPS__GPU_WORK_POOL" in settings
    missing = settings - documented()
    assert not missing, f"settings missing from infra/.env.example: {sorted(missing)}"
    # Every PAPERPANELS_* the example names is a real setting (or a stack variable of the compose file).
    unknown = {n for n in documented() if n.startswith("PAPERPANELS_")} - settings
    assert unknown <= set(VAR.findall(COMPOSE.read_text())), f"unknown settings: {sorted(unknown)}"


def test_env_example_values_parse_as_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The uncommented values are valid settings (types, enums)."""
    from config.settings import Settings

    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.startswith("PAPERPANELS_") and "=" in line:
            key, _, value = line.partition("=")
            monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.store.checksum_mode == "when_required"
    assert settings.ops.gpu_work_pool == "paperpanels-gpu"
