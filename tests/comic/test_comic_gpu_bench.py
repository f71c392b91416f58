"""bench/comic_gpu.py --tiny: every row kind runs on a CPU (the CI smoke test of the GPU bench)."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "comic_gpu.py"
pytestmark = pytest.mark.diffusers


@pytest.fixture(scope="module")
def bench() -> Any:
    spec = importlib.util.spec_from_file_location("comic_gpu_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def test_tiny_bench_prints_variants_quality_and_conference_rows(
    bench: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    args = ["--tiny", "--pages", "1", "--steps", "1", "--panels", "3", "--variants", "eager,+fused QKV,+FP8",
            "--no-presets", "--conference", "2", "--width", "512"]  # fmt: skip
    rows = {r["variant"]: r for r in bench.main(args)}
    eager, fused = rows["eager"], rows["+fused QKV"]
    assert math.isinf(eager["psnr_db"]) and eager["s_per_page"] > 0 and eager["panels_per_s"] > 0
    # Fused QKV + compile (the eager backend on a CPU) stays within the quality bound of eager.
    assert fused["psnr_db"] >= 30 and "REFUSED" not in fused["quality"] and "compile" in fused["plan"]
    assert "skipped" in rows["+FP8"]  # no FP8 on a CPU: said, not hidden
    one, two = rows["conference x2, 1 at a time"], rows["conference x2, 2 at a time"]
    assert one["pages_per_min"] > 0 and two["pages_per_min"] > 0
    table = capsys.readouterr().out
    assert "s/page" in table and "pages/min" in table and "PSNR inf dB" in table
