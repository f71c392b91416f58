"""PDF acquisition: a local papers folder first, then polite, validated downloads."""

from __future__ import annotations

import hashlib
import logging
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import urljoin

import httpx

from tasks.harvest import hosts
from tasks.harvest.addresses import check_host
from tasks.harvest.errors import PdfUnavailable, TransientDownloadError
from tasks.harvest.transfer import DeadlineExceeded, Watchdog
from tasks.models import AwardEntry
from tasks.parse.errors import ParseError, TooLargePdfError
from tasks.parse.validate import check_pdf_bytes
from tasks.store import ArtifactStore

log = logging.getLogger(__name__)

PDF_CONTENT_TYPES = (
    "application/pdf",
    "application/x-pdf",
    "application/octet-stream",
    "binary/octet-stream",
)


@dataclass(frozen=True)
class PdfSource:
    data: bytes
    source: str  # local path or URL

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


MAX_REDIRECTS = 5
# A download may take this many times the per-read timeout, start to end, redirects included.
DOWNLOAD_DEADLINE_FACTOR = 10


def local_candidates(entry: AwardEntry) -> list[str]:
    """File names a papers folder may use for this entry, most specific first."""
    names: list[str] = []
    if entry.ids.arxiv:
        names.append(f"{entry.ids.arxiv.replace('/', '_')}.pdf")
    if entry.ids.openreview:
        names.append(f"{entry.ids.openreview}.pdf")
    names.append(f"{entry.paper_id}.pdf")
    return list(dict.fromkeys(names))


def _checked_local(path: Path, folder: Path) -> Path:
    """path if it is a regular file inside folder (links included); else PdfUnavailable saying why.

    A papers folder is input we do not control: a link to /etc/passwd or to a device must never be
    read, and nothing read from a refused file is ever echoed back.
    """
    shown = in_papers_folder(path)
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise PdfUnavailable(
            f"{shown}: cannot be read ({type(exc).__name__}); replace it with the PDF"
        ) from None
    if not real.is_relative_to(folder):
        raise PdfUnavailable(
            f"{shown} is a link to a file outside the folder: refused (copy the PDF into the folder instead)"
        )
    if not stat.S_ISREG(real.stat().st_mode):
        raise PdfUnavailable(f"{shown} is not a regular file: refused")
    return path


def in_papers_folder(path: Path) -> str:
    """How a file of the papers folder is named in what may be published: never its local path."""
    return f"{path.name} (in the papers folder)"


def find_local_pdf(entry: AwardEntry, papers_dir: Path) -> Path | None:
    """The PDF for entry in papers_dir, matching `<arxiv id>.pdf` with or without a version suffix.

    Raises PdfUnavailable for a matching entry that is refused (a link out of the folder, not a file).
    """
    folder = papers_dir.resolve()
    for name in local_candidates(entry):
        path = papers_dir / name
        if path.is_symlink() or path.exists():
            return _checked_local(path, folder)
    if entry.ids.arxiv:
        base = entry.paper_id
        versions = sorted(papers_dir.glob(f"{base}v*.pdf"))
        if versions:
            return _checked_local(versions[-1], folder)
    return None


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, streamed: a large file is never held in memory."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def local_pdf_fingerprint(path: Path, max_bytes: int) -> str:
    """What identifies a local PDF for caching: its SHA-256, or its size when it is over the cap."""
    size = path.stat().st_size
    if size > max_bytes:
        return f"over the cap: {size} bytes"
    return file_sha256(path)


def read_local_pdf(path: Path, max_bytes: int, source: str | None = None) -> bytes:
    """The file's bytes, its size checked before it is read; errors name the file (as source, when
    given), never its bytes."""
    source = source or str(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise TooLargePdfError(source, f"the file has {size:,} bytes, over the cap of {max_bytes:,} bytes")
    data = path.read_bytes()
    check_pdf_bytes(data, source, max_bytes=max_bytes)
    return data


def pdf_in_store(store: ArtifactStore, key: str, *, max_bytes: int) -> PdfSource | None:
    """The paper's PDF already in the store, if it is there and still a valid PDF; else None."""
    head = store.head(key)
    if head is None or head.size > max_bytes:
        return None
    try:
        data = store.get(key)
        check_pdf_bytes(data, key, max_bytes=max_bytes)
    except (KeyError, ParseError) as exc:
        log.warning("%s in the store is not usable (%s): looking elsewhere", key, exc)
        return None
    return PdfSource(data=data, source=f"store:{key}")


def unavailable_without_trying(
    entry: AwardEntry,
    *,
    papers_dir: Path | None,
    download: bool,
    in_store: bool,
) -> str | None:
    """Why acquiring entry's PDF cannot succeed, known without any I/O beyond a stat; else None.

    Lets a run over thousands of entries report each missing PDF in microseconds instead of
    starting a task for it. Mirrors acquire_pdf_bytes' reasons.
    """
    if in_store:
        return None
    reasons: list[str] = []
    if papers_dir is not None:
        try:
            if find_local_pdf(entry, papers_dir) is not None:
                return None
        except PdfUnavailable:
            return None  # refused: the task says why, with the file named
        reasons.append(not_in_folder(entry, papers_dir))
    urls = entry.pdf_urls()
    if (why := no_download(download, urls)) is not None:
        reasons.append(why)
    else:
        down = [hosts.refused_recently(url) for url in urls]
        if any(reason is None for reason in down):
            return None
        reasons += [f"{url}: {r}" for url, r in zip(urls, down, strict=True)]
    return unavailable_message(entry, reasons)


def not_in_folder(entry: AwardEntry, papers_dir: Path) -> str:
    return f"not in the papers folder (looked for {', '.join(local_candidates(entry))})"


def no_download(download: bool, urls: list[str]) -> str | None:
    """Why no download will be tried, or None when one will."""
    if not download:
        return "downloads are off (PAPERPANELS_HARVEST__DOWNLOAD=false)"
    if not urls:
        return "no arXiv/OpenReview id or PDF link to download from"
    return None


def unavailable_message(entry: AwardEntry, reasons: list[str]) -> str:
    hint = f"to supply it, put it in a papers folder (PAPERPANELS_PAPERS_DIR) as {local_candidates(entry)[0]}"
    return f"no PDF for {entry.paper_id!r}: " + "; ".join(reasons) + f" ({hint})"


def download_pdf(
    url: str,
    *,
    timeout_s: float,
    max_bytes: int,
    user_agent: str,
    min_interval_s: float = 0.0,
    allowed_hosts: Sequence[str] = (),
    allow_private: bool = False,
    deadline_s: float | None = None,
) -> bytes:
    """GET a PDF with a size cap while streaming; content type and `%PDF-` magic are checked.

    The whole download takes at most deadline_s (default DOWNLOAD_DEADLINE_FACTOR x timeout_s).

    Every hop of a redirect is checked against private addresses (unless the host is in
    allowed_hosts, or allow_private). Raises TransientDownloadError for what is worth retrying
    (timeouts, 429, 5xx), PdfUnavailable for what is not (4xx, no network, HTML instead of a PDF).
    """
    check_host(url, allowed_hosts=allowed_hosts, allow_private=allow_private)
    if (why := hosts.take_turn(url, min_interval_s)) is not None:
        raise PdfUnavailable(f"{url}: {why}")
    headers = {"User-Agent": user_agent, "Accept": "application/pdf"}
    # The whole download, redirects included, within its deadline: a server that drips never
    # trips the per-read timeout. A slow server is not retried (it would drip again).
    deadline = deadline_s or DOWNLOAD_DEADLINE_FACTOR * timeout_s
    try:
        with (
            httpx.Client(timeout=timeout_s, follow_redirects=False, headers=headers) as client,
            Watchdog(deadline) as watchdog,
        ):
            data = _fetch(client, url, max_bytes, (allowed_hosts, allow_private), watchdog)
    except httpx.HTTPError as exc:
        if watchdog.fired:
            raise PdfUnavailable(str(DeadlineExceeded(url, deadline))) from None
        _raise_for(exc, url, timeout_s)
    try:
        check_pdf_bytes(data, url, max_bytes=max_bytes)
    except ParseError as exc:
        raise PdfUnavailable(str(exc)) from exc
    log.info("downloaded %s: %d bytes, sha256 %s", url, len(data), hashlib.sha256(data).hexdigest())
    return data


def _raise_for(exc: httpx.HTTPError, url: str, timeout_s: float) -> NoReturn:
    """The harvest error an httpx error is: worth retrying, or not."""
    if isinstance(exc, httpx.TimeoutException):
        raise TransientDownloadError(f"{url}: timed out after {timeout_s} s") from exc
    if isinstance(exc, httpx.ConnectError):
        # No route / no DNS: this machine is offline; retrying will not help within one run.
        hosts.refused(url, exc)
        raise PdfUnavailable(f"{url}: cannot connect ({exc})") from exc
    raise TransientDownloadError(f"{url}: {type(exc).__name__}: {exc}") from exc


def _fetch(
    client: httpx.Client, url: str, max_bytes: int, hosts: tuple[Sequence[str], bool], watchdog: Watchdog
) -> bytes:
    """Follow up to MAX_REDIRECTS redirects by hand, checking each target host, then stream the body."""
    allowed_hosts, allow_private = hosts
    for _ in range(MAX_REDIRECTS + 1):
        with client.stream("GET", url, extensions={"trace": watchdog.trace}) as response:
            status = response.status_code
            if status in (301, 302, 303, 307, 308):
                target = urljoin(url, response.headers.get("location", ""))
                check_host(target, allowed_hosts=allowed_hosts, allow_private=allow_private)
                url = target
                continue
            if status == 429 or status >= 500:
                raise TransientDownloadError(f"{url}: HTTP {status}")
            if status >= 400:
                raise PdfUnavailable(f"{url}: HTTP {status}")
            ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype and ctype not in PDF_CONTENT_TYPES:
                raise PdfUnavailable(
                    f"{url}: served {ctype!r}, not a PDF (an HTML page instead of the paper?)"
                )
            declared = int(response.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise PdfUnavailable(f"{url}: {declared} bytes is over the {max_bytes}-byte cap")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise PdfUnavailable(f"{url}: more than {max_bytes} bytes, over the cap")
                if watchdog.expired():
                    raise PdfUnavailable(str(DeadlineExceeded(url, watchdog.deadline_s)))
                chunks.append(chunk)
            return b"".join(chunks)
    raise PdfUnavailable(f"{url}: more than {MAX_REDIRECTS} redirects")


def acquire_pdf_bytes(
    entry: AwardEntry,
    *,
    papers_dir: Path | None,
    download: bool,
    timeout_s: float,
    max_bytes: int,
    user_agent: str,
    arxiv_interval_s: float,
    allowed_hosts: Sequence[str] = (),
    allow_private: bool = False,
) -> PdfSource:
    """The PDF of an entry: from papers_dir, else downloaded; PdfUnavailable lists every reason."""
    reasons: list[str] = []
    if papers_dir is not None:
        path = find_local_pdf(entry, papers_dir)
        if path is not None:
            # A bad local file is the user's input error: say which file, do not fall back silently.
            shown = in_papers_folder(path)
            return PdfSource(data=read_local_pdf(path, max_bytes, shown), source=shown)
        reasons.append(not_in_folder(entry, papers_dir))
    urls = entry.pdf_urls()
    if (why := no_download(download, urls)) is not None:
        reasons.append(why)
    else:
        transient: TransientDownloadError | None = None
        for url in urls:
            interval = arxiv_interval_s if "arxiv.org" in url else 0.0
            try:
                data = download_pdf(
                    url,
                    timeout_s=timeout_s,
                    max_bytes=max_bytes,
                    user_agent=user_agent,
                    min_interval_s=interval,
                    allowed_hosts=allowed_hosts,
                    allow_private=allow_private,
                )
                return PdfSource(data=data, source=url)
            except TransientDownloadError as exc:
                transient = exc
                reasons.append(str(exc))
            except PdfUnavailable as exc:
                reasons.append(str(exc))
        if transient is not None:
            raise TransientDownloadError("; ".join(reasons))
    raise PdfUnavailable(unavailable_message(entry, reasons))
