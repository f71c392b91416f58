"""The suite's own scheduling: a test's `xdist_group` reaches pytest-xdist's scheduler.

`--dist loadgroup` reads a test's group off its id ("...::test@group"), which pytest-xdist writes in
each worker. With pytest 9.2 that write went nowhere and every group was ignored without a word: the
heavy end-to-end tests ran side by side, and each worker loaded the diffusion pipelines (pyproject.toml
keeps pytest below 9.2).
"""

from __future__ import annotations

import pytest


@pytest.mark.xdist_group("scheduling-check")
def test_a_grouped_test_is_handed_out_with_its_group(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run by pytest-xdist with --dist loadgroup (TEST_WORKERS=0)")
    assert request.node.nodeid.endswith("@scheduling-check"), request.node.nodeid
