"""`ArtifactStore.create`: put-if-absent, so that exactly one of several claimants wins."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tasks.store import ArtifactStore


def test_create_writes_once_and_never_overwrites(store: ArtifactStore) -> None:
    assert store.create("neurips-2025/claim.json", b"first") is True
    assert store.create("neurips-2025/claim.json", b"second") is False
    assert store.get("neurips-2025/claim.json") == b"first"
    assert store.sha256("neurips-2025/claim.json") == store.head("neurips-2025/claim.json").sha256  # type: ignore[union-attr]


def test_concurrent_claims_have_one_winner(store: ArtifactStore) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        wins = list(pool.map(lambda i: store.create("icml-2024/claim.json", f"{i}".encode()), range(16)))
    assert wins.count(True) == 1
    assert store.get("icml-2024/claim.json") == str(wins.index(True)).encode()


def test_create_rejects_unsafe_keys(store: ArtifactStore) -> None:
    with pytest.raises(ValueError):
        store.create("../escape/claim.json", b"x")
