"""Deployments: prefect.yaml in step with flows/runtime/deployments.py, form schema, backfill input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_prefect_yaml_lists_the_same_deployments() -> None:
    from flows.runtime.deployments import deployment_specs, load_flow

    settings = Settings()
    declared = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    specs = {s.name: s for s in deployment_specs(settings)}
    assert {d["name"]: d["entrypoint"] for d in declared} == {n: s.entrypoint for n, s in specs.items()}
    pools = {d["name"]: d["work_pool"]["name"] for d in declared}
    assert pools["draw-comics"] == settings.ops.gpu_work_pool and specs["draw-comics"].gpu
    assert pools["award-digest"] == settings.ops.work_pool
    watch = next(d for d in declared if d["name"] == "watch-awards")
    assert watch["schedules"][0]["cron"] == settings.ops.watch_cron == specs["watch-awards"].cron
    # One watch at a time: a poll scheduled while the previous one runs is cancelled, not queued.
    assert watch["concurrency_limit"] == {"limit": 1, "collision_strategy": "CANCEL_NEW"}
    assert [n for n, s in specs.items() if s.single] == ["watch-awards"]
    interval = deployment_specs(settings.with_values(**{"ops.watch_interval_s": 60}))[1]
    assert (interval.name, interval.cron, interval.interval_s) == ("watch-awards", None, 60)
    for spec in specs.values():
        assert load_flow(spec.entrypoint).name  # every entrypoint loads


def test_serve_looks_for_watch_polls_often_and_late_enough_that_none_is_cancelled() -> None:
    from prefect.settings import PREFECT_RUNNER_POLL_FREQUENCY, temporary_settings

    from flows.runtime.deployments import PICKUP_S, runner_prefetch_s, runner_timing

    settings = Settings()
    assert runner_timing(settings) == {}  # on the cron: Prefect's own timing
    default = runner_prefetch_s()
    assert default == 10  # Prefect's Runner default, read from Prefect
    with temporary_settings(updates={PREFECT_RUNNER_POLL_FREQUENCY: 10}):  # Prefect's default
        for interval in (2, 5, 9, 20, 60, 3600):
            timing = runner_timing(settings.with_values(**{"ops.watch_interval_s": interval}))
            # Picked up (and holding the watch's one slot) at most half an interval early: the
            # other half is the poll's own time, so the next poll finds the slot free.
            assert 1 <= timing["prefetch_seconds"] <= max(1, interval / 2)
            # Never earlier than Prefect would, and as early where the interval leaves room for it.
            assert timing["prefetch_seconds"] <= default
            assert interval < 2 * default or timing["prefetch_seconds"] == default
            # The server is asked at least once an interval, and often enough that a run started
            # now (the digest a watch starts) waits at most PICKUP_S; never less often than Prefect.
            assert timing["query_seconds"] == min(interval, PICKUP_S)
    with temporary_settings(updates={PREFECT_RUNNER_POLL_FREQUENCY: 1}):  # asked more often already
        assert "query_seconds" not in runner_timing(settings.with_values(**{"ops.watch_interval_s": 5}))


def test_form_schema_rejects_an_unknown_conference() -> None:
    from prefect.utilities.callables import parameter_schema
    from prefect.utilities.schema_tools import ValidationError, validate

    from flows.ui import award_digest_form

    schema = parameter_schema(award_digest_form).model_dump_for_openapi()
    validate({"conference": "neurips-2025", "renderer": "sketch"}, schema, raise_on_error=True)
    with pytest.raises(ValidationError, match="'neurips-1999' is not one of"):
        validate({"conference": "neurips-1999"}, schema, raise_on_error=True)
    with pytest.raises(ValidationError, match="'crayon' is not one of"):
        validate({"conference": "neurips-2025", "renderer": "crayon"}, schema, raise_on_error=True)


def test_a_form_run_gets_its_settings_as_a_value_and_the_environment_is_untouched(
    prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import flows.ui

    seen: list[Settings] = []

    def fake_digest(**kwargs: object) -> str:
        seen.append(kwargs["settings"])  # type: ignore[arg-type]
        return "digest"

    monkeypatch.setattr(flows.ui, "award_digest", fake_digest)
    before = dict(os.environ)
    flows.ui.award_digest_form(conference="neurips-2025", renderer="sketch", model="openai:gpt-4o-mini")
    assert dict(os.environ) == before
    (settings,) = seen
    assert settings.comic.renderer == "sketch" and settings.llm.model == "openai:gpt-4o-mini"


def test_serve_refuses_deployments_that_deploy_put_on_a_work_pool(prefect_harness: None) -> None:
    """`paperpanels deploy` then `serve` under the same names: the served deployment would stay on its
    pool, and this process and the pool's workers would split its runs. serve names it and stops."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate

    from config.settings import get_settings
    from flows.runtime.deployments import ServeConflict, pooled, runner_deployments, serve_all

    settings = get_settings()
    served = runner_deployments(settings)
    names = [f"{d.flow_name}/{d.name}" for d in served]
    assert pooled(names) == {}  # nothing registered yet: serve would go on
    first = served[0]
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="gpu-pool-test", type="process"), overwrite=True)
        flow_id = client.create_flow_from_name(first.flow_name)
        client.create_deployment(flow_id=flow_id, name=first.name, work_pool_name="gpu-pool-test")
    assert pooled(names) == {names[0]: "gpu-pool-test"}
    with pytest.raises(ServeConflict, match=f"{names[0]} \\(work pool 'gpu-pool-test'\\)"):
        serve_all(settings)


def test_backfill_range_with_a_gap_fails_naming_the_gap(prefect_harness: None) -> None:
    from flows.backfill import backfill

    state = backfill("neurips:2022-2025, icml-2024", return_state=True)
    assert state.is_failed()
    with pytest.raises(Exception, match="no manifest for neurips-2022"):
        state.result()


def test_bootstrap_is_idempotent(
    prefect_harness: None, s3_env: str, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect import get_client
    from prefect_aws import S3Bucket

    from config.settings import get_settings
    from flows.runtime.infrastructure import ensure_infrastructure

    settings = get_settings().with_values(
        **{
            "store.uri": f"s3://{s3_env}/pp",
            "store.endpoint_url": moto_endpoint,
            "ops.result_block": "pp-results",
        }
    )
    first = ensure_infrastructure(settings)
    second = ensure_infrastructure(settings)
    assert "work pool paperpanels-gpu: exists" in second
    assert any(line.startswith("work pool paperpanels-process") for line in first)
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name("gpu").limit == 1
        assert client.read_concurrency_limit_by_tag("gpu").concurrency_limit == 1
        llm = client.read_global_concurrency_limit_by_name("llm")
        assert llm.slot_decay_per_second == pytest.approx(1.0)
    bucket: Any = S3Bucket.load("pp-results")
    bucket.write_path("probe.txt", b"ok")
    assert bucket.read_path("probe.txt") == b"ok"

    # The command an operator types says the same, from the environment.
    from typer.testing import CliRunner

    from flows.cli import app

    env = {
        "PAPERPANELS_STORE__URI": f"s3://{s3_env}/pp",
        "PAPERPANELS_STORE__ENDPOINT_URL": moto_endpoint,
        "PAPERPANELS_OPS__RESULT_BLOCK": "pp-results",
    }
    get_settings.cache_clear()
    said = CliRunner().invoke(app, ["bootstrap"], env=env, catch_exceptions=False)
    get_settings.cache_clear()
    assert said.exit_code == 0, said.output
    assert "work pool paperpanels-gpu: exists" in said.stdout
    assert "result storage: s3-bucket/pp-results" in said.stdout


def test_every_form_field_of_every_deployment_has_help_text() -> None:
    """The Prefect UI's run form shows each parameter's description (from the flow's Args section)."""
    from prefect.utilities.callables import parameter_schema

    from flows.runtime.deployments import deployment_specs, load_flow

    for spec in deployment_specs(Settings()):
        fn = load_flow(spec.entrypoint).fn
        properties = parameter_schema(fn).model_dump_for_openapi()["properties"]
        bare = [name for name, field in properties.items() if not field.get("description")]
        assert properties and not bare, f"{spec.name}: no help text in the UI form for {bare}"
