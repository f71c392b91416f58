"""The image installs exactly as CI does (infra/install.sh), CPU by default, non-root, no secrets."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
INSTALL = "infra/install.sh"


def _stages() -> list[tuple[str, list[str]]]:
    """(stage name, instruction lines) in order; continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    stages: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if m:
            stages.append(((m.group(1) or "").lower(), []))
        elif stages:
            stages[-1][1].append(line)
    return stages


def test_cpu_is_the_default_target_and_gpu_exists() -> None:
    names = [name for name, _ in _stages()]
    assert names[-1] == "cpu", "`docker build .` builds the last stage: it must be the CPU image"
    assert "gpu" in names


def test_both_targets_install_with_the_ci_script() -> None:
    stages = dict(_stages())
    for target in ("cpu", "gpu"):
        runs = [line for line in stages[target] if line.upper().startswith("RUN ")]
        installs = [r for r in runs if INSTALL in r]
        assert len(installs) == 1, f"{target}: expected one RUN of {INSTALL}, got {runs}"
        # No other package installs that could drift from CI's.
        assert not any("pip install" in r for r in runs), target
        assert any(line.upper().startswith("USER ") and "root" not in line for line in stages[target])
        assert any(line.upper().startswith("HEALTHCHECK ") for line in stages[target]), target
        torch = next(line for line in stages[target] if line.startswith("ARG TORCH_SPEC="))
        assert "torch==2.13.0" in torch
    spec = {t: next(x for x in stages[t] if x.startswith("ARG TORCH_SPEC=")) for t in ("cpu", "gpu")}
    assert "/whl/cpu" in spec["cpu"]
    assert re.search(r"/whl/cu\d+", spec["gpu"])


def test_makefile_and_install_script_are_what_the_image_runs() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\t.*infra/install\.sh \$\(VENV\)", makefile, re.MULTILINE)
    script = (ROOT / INSTALL).read_text()
    assert "TORCH_SPEC" in script and "requirements.lock" in script  # what the image's ARG feeds
    assert (ROOT / ".ci" / "run").read_text().count("make test") >= 1


def test_no_secrets_baked_in() -> None:
    secret = re.compile(r"^(ENV|ARG)\s.*(PASSWORD|SECRET|API_KEY|TOKEN)", re.MULTILINE | re.IGNORECASE)
    assert not secret.search(DOCKERFILE)
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignore and "**/.env" in ignore  # context is an allow-list; .env files never enter it
    assert not any(line.startswith("!") and ".env" in line for line in ignore)
