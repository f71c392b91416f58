"""A papers folder is input we do not control: links out of it, devices, huge files, fake PDFs."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from tasks.harvest.errors import PdfUnavailable
from tasks.harvest.pdf import (
    acquire_pdf_bytes,
    find_local_pdf,
    local_pdf_fingerprint,
    read_local_pdf,
    unavailable_without_trying,
)
from tasks.models import AwardEntry, PaperIds
from tasks.parse.errors import NotAPdfError, TooLargePdfError

CAP = 50 * 1024 * 1024
ENTRY = AwardEntry(title="A Paper", award="best paper", ids=PaperIds(arxiv="2505.06708"))


def _acquire(folder: Path) -> bytes:
    return acquire_pdf_bytes(
        ENTRY,
        papers_dir=folder,
        download=False,
        timeout_s=1,
        max_bytes=CAP,
        user_agent="t",
        arxiv_interval_s=0,
    ).data


def test_a_link_out_of_the_folder_is_refused_and_never_echoed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "2505.06708.pdf").symlink_to(secret)
    with pytest.raises(PdfUnavailable, match="outside") as caught:
        _acquire(folder)
    assert "root:x" not in str(caught.value)
    # The quick check before any task sees the refused file and leaves it to the task to explain.
    assert unavailable_without_trying(ENTRY, papers_dir=folder, download=False, in_store=False) is None


def test_a_link_inside_the_folder_is_followed(tmp_path: Path, fixture_pdfs: dict[str, Path]) -> None:
    folder = tmp_path / "papers"
    (folder / "files").mkdir(parents=True)
    real = folder / "files" / "paper.pdf"
    real.write_bytes(fixture_pdfs["specter"].read_bytes())
    (folder / "2505.06708.pdf").symlink_to(real)
    assert _acquire(folder) == real.read_bytes()


def test_a_device_or_fifo_is_not_a_paper(tmp_path: Path) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    os.mkfifo(folder / "2505.06708.pdf")
    with pytest.raises(PdfUnavailable, match="not a regular file"):
        find_local_pdf(ENTRY, folder)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "2505.06708.pdf"
    with big.open("wb") as fh:
        fh.truncate(1_500_000_000)  # sparse: 1.5 GB on paper, nothing on disk
    tracemalloc.start()
    try:
        with pytest.raises(TooLargePdfError, match="1,500,000,000 bytes"):
            read_local_pdf(big, CAP)
        assert local_pdf_fingerprint(big, CAP) == "over the cap: 1500000000 bytes"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024, f"{peak / 2**20:.0f} MiB allocated to refuse it"


def test_a_text_file_named_pdf_is_described_not_quoted(tmp_path: Path) -> None:
    fake = tmp_path / "2505.06708.pdf"
    fake.write_text("password=hunter2 " * 20)
    with pytest.raises(NotAPdfError) as caught:
        read_local_pdf(fake, CAP)
    assert "hunter2" not in str(caught.value) and "looks like text" in str(caught.value)


def test_the_fingerprint_streams(tmp_path: Path, fixture_pdfs: dict[str, Path]) -> None:
    import hashlib

    path = fixture_pdfs["papermage"]
    assert local_pdf_fingerprint(path, CAP) == hashlib.sha256(path.read_bytes()).hexdigest()
