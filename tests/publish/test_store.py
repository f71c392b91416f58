"""The same contract for the local store and the S3 store (real boto3 against a moto server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.models import InvalidIdError, sha256_bytes
from tasks.store import ArtifactStore, StoreError, conference_key, open_store, paper_key
from tasks.store.local import LocalStore
from tasks.store.s3 import S3Store


def test_put_get_roundtrip_records_sha256(store: ArtifactStore) -> None:
    key = paper_key("neurips-2025", "2505.06708", "summary.json")
    obj = store.put(key, b'{"a": 1}')
    assert obj.written and obj.sha256 == sha256_bytes(b'{"a": 1}') and obj.size == 8
    assert store.get(key) == b'{"a": 1}'
    assert store.exists(key)
    assert store.sha256(key) == obj.sha256
    head = store.head(key)
    assert head is not None and (head.sha256, head.size) == (obj.sha256, 8)


def test_same_bytes_are_not_written_twice(store: ArtifactStore) -> None:
    key = conference_key("neurips-2025", "digest.md")
    assert store.put(key, b"# digest").written
    assert not store.put(key, b"# digest").written
    changed = store.put(key, b"# digest v2")
    assert changed.written and store.get(key) == b"# digest v2"


def test_missing_key(store: ArtifactStore) -> None:
    key = conference_key("neurips-2025", "manifest.json")
    assert not store.exists(key)
    assert store.sha256(key) is None
    assert store.head(key) is None
    with pytest.raises(KeyError, match="manifest.json"):
        store.get(key)


def test_list_by_prefix(store: ArtifactStore) -> None:
    store.put(paper_key("icml-2024", "a1b2c3d4", "comic.png"), b"png")
    store.put(paper_key("icml-2024", "a1b2c3d4", "comic.json"), b"{}")
    store.put(conference_key("iclr-2024", "digest.md"), b"x")
    assert store.list("icml-2024") == [
        "icml-2024/papers/a1b2c3d4/comic.json",
        "icml-2024/papers/a1b2c3d4/comic.png",
    ]


@pytest.mark.parametrize(
    "bad_id",
    ["../etc", "a/b", "..", "x\x00y", "tab\there", "", "a\\b", ".hidden"],
)
def test_paper_id_with_a_path_is_rejected(bad_id: str) -> None:
    with pytest.raises(InvalidIdError, match="paper id"):
        paper_key("neurips-2025", bad_id, "comic.png")


def test_unknown_artifact_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown paper artifact"):
        paper_key("neurips-2025", "2505.06708", "evil.sh")


def test_raw_keys_are_checked_too(store: ArtifactStore) -> None:
    with pytest.raises(InvalidIdError):
        store.put("neurips-2025/../../escape", b"x")


def test_local_store_leaves_no_temp_files(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    for i in range(3):
        store.put("c-2025/digest.md", f"v{i}".encode())
    assert sorted(p.name for p in (tmp_path / "c-2025").iterdir()) == ["digest.md"]


def test_s3_missing_bucket_is_a_clear_error(moto_endpoint: str, s3_env: str) -> None:
    store = open_store("s3://no-such-bucket-here", endpoint_url=moto_endpoint, region="us-east-1")
    assert isinstance(store, S3Store)
    with pytest.raises(StoreError, match="no-such-bucket-here"):
        store.put("a-2025/digest.md", b"x")


def test_bad_uris() -> None:
    with pytest.raises(StoreError, match="at least 3"):
        open_store("s3://ab")
    with pytest.raises(StoreError, match="unsupported store URI"):
        open_store("gs://bucket/x")


def test_a_store_is_built_once_per_configuration(tmp_path: Path) -> None:
    from config.settings import StoreSettings
    from tasks.store import store_for

    first = store_for(StoreSettings(uri=str(tmp_path / "one")))
    assert store_for(StoreSettings(uri=str(tmp_path / "one"))) is first
    other = store_for(StoreSettings(uri=str(tmp_path / "other")))
    assert other is not first and other.uri == str(tmp_path / "other")


def test_the_endpoint_is_part_of_the_store_identity(moto_endpoint: str) -> None:
    a = open_store("s3://bucket-a/pp", endpoint_url=moto_endpoint, region="us-east-1")
    b = open_store("s3://bucket-a/pp", endpoint_url="http://127.0.0.1:1", region="us-east-1")
    assert a.uri == b.uri and a.identity != b.identity


def test_presigned_links_expire_as_configured(
    s3_env: str, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from urllib.parse import parse_qs, urlsplit

    from config.settings import StoreSettings
    from tasks.publish.task import link_to
    from tasks.store import store_for

    settings = StoreSettings(uri=f"s3://{s3_env}/pp", endpoint_url=moto_endpoint, presign_expiry_s=3600)
    query = parse_qs(urlsplit(link_to(store_for(settings), "neurips-2025/digest.html")).query)
    assert query["X-Amz-Expires"] == ["3600"]
    assert "testing" in query["X-Amz-Credential"][0]  # the key id is in the link by design; the secret never
    with pytest.raises(ValueError, match="less than or equal"):
        StoreSettings(presign_expiry_s=8 * 24 * 3600)


# --------------------------------------------------------------------------- content, not metadata


def test_copy_checks_the_bytes_it_copies(store: ArtifactStore) -> None:
    from tasks.store import ContentChanged

    source = store.put(paper_key("c-2025", "p1", "comic.png"), b"png-1")
    copied = store.copy(source.key, "c-2025/releases/r1/papers/p1/comic.png", source.sha256)
    assert (copied.sha256, copied.size) == (source.sha256, 5)
    store.put(source.key, b"png-2")  # the working copy changes after the caller recorded its hash
    with pytest.raises(ContentChanged, match="comic.png"):
        store.copy(source.key, "c-2025/releases/r2/papers/p1/comic.png", source.sha256)
    assert not store.exists("c-2025/releases/r2/papers/p1/comic.png")  # nothing half-made is left


def test_a_local_release_copy_is_not_a_link(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    source = store.put(paper_key("c-2025", "p1", "review.md"), b"# review")
    store.copy(source.key, "c-2025/releases/r1/papers/p1/review.md")
    with (tmp_path / source.key).open("r+b") as fh:  # an editor writing the working file in place
        fh.write(b"# EDITED")
    assert store.get("c-2025/releases/r1/papers/p1/review.md") == b"# review"


def test_s3_a_body_replaced_under_its_old_metadata_is_seen(s3_env: str, moto_endpoint: str) -> None:
    import boto3

    store = open_store(f"s3://{s3_env}/pp", endpoint_url=moto_endpoint, region="us-east-1")
    key = paper_key("c-2025", "p1", "parsed.json")
    original = store.put(key, b'{"title": "real"}')
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    metadata = s3.head_object(Bucket=s3_env, Key=f"pp/{key}")["Metadata"]
    assert metadata["sha256"] == original.sha256
    # Another tool replaces the body and carries the old metadata along.
    s3.put_object(Bucket=s3_env, Key=f"pp/{key}", Body=b'{"title": "forged"}', Metadata=metadata)
    forged = sha256_bytes(b'{"title": "forged"}')
    assert store.sha256(key) == forged
    head = store.head(key)
    assert head is not None and head.sha256 == forged
    assert store.put(key, b'{"title": "real"}').written  # not taken for the same bytes
    assert store.sha256(key) == original.sha256


def test_inventory_fingerprints_change_with_the_bytes(store: ArtifactStore) -> None:
    store.put("c-2025/releases/r1/a.json", b"one")
    store.put("c-2025/releases/r1/b.json", b"two")
    before = store.inventory("c-2025/releases/r1/")
    assert sorted(before) == ["c-2025/releases/r1/a.json", "c-2025/releases/r1/b.json"]
    assert before["c-2025/releases/r1/a.json"].size == 3
    store.put("c-2025/releases/r1/a.json", b"uno")
    after = store.inventory("c-2025/releases/r1/")
    assert after["c-2025/releases/r1/a.json"].fingerprint != before["c-2025/releases/r1/a.json"].fingerprint
    assert after["c-2025/releases/r1/b.json"].fingerprint == before["c-2025/releases/r1/b.json"].fingerprint


def test_folders_are_the_conferences(store: ArtifactStore) -> None:
    store.put("feed.xml", b"<feed/>")
    store.put(conference_key("iclr-2024", "current.json"), b"{}")
    store.put(paper_key("icml-2024", "p1", "comic.png"), b"png")
    assert store.folders("") == ["iclr-2024", "icml-2024"]
    assert store.folders("icml-2024") == ["papers"]
