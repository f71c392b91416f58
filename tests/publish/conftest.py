"""One store fixture for the store and release contracts: the local directory and S3 (moto)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.store import ArtifactStore, open_store
from tasks.store.local import LocalStore


# The S3 case starts the worker's moto server (fetched below with getfixturevalue, which the marking in
# tests/conftest.py cannot see): marked here, so `make test-quick` leaves it out.
@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.server)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStore:
    """Each test runs on both: a local folder, and a bucket (under a two-level prefix) of the moto server."""
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    bucket = request.getfixturevalue("s3_env")
    endpoint = request.getfixturevalue("moto_endpoint")
    return open_store(f"s3://{bucket}/prefix/deeper", endpoint_url=endpoint, region="us-east-1")
