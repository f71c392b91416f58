"""What a CLI command needs before and around a flow run.

- Settings and the store are validated before Prefect starts (it takes ~10 s to start here): a bad
  setting is one line naming the variable, exit 2, in well under a second.
- Prefect: the server named by PREFECT_API_URL, else the local one `paperpanels server` keeps up
  (127.0.0.1:ops.server_port, its database kept between runs: a run starts at once), else a
  temporary server this process owns (~10-20 s to start: imports, database migrations). That one
  is started so that it dies with the CLI (Linux: the parent-death signal), even after `kill -9`.
  The command says on stderr which server it uses.
- SIGINT / SIGTERM: the first one stops the run (nothing new starts, running stages get a few
  seconds, the previous release stays current); a second one, or the grace period running out,
  exits at once. The store stays consistent either way: objects are written whole or not at all,
  and a release becomes current only by its pointer, written last.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from config.redact import install_log_redaction
from config.settings import get_settings
from flows.cli.console import EXIT_SIGINT, EXIT_SIGTERM, fail, say, warn
from flows.runtime.infrastructure import ensure_rate_limits
from tasks.models import validate_safe_id
from tasks.publish.release import read_current
from tasks.store import StoreError, store_for

if TYPE_CHECKING:
    from config.settings import Settings

GRACE_S = 10.0
T = TypeVar("T")


def prefect_defaults() -> None:
    """Offline-friendly defaults for a local Prefect server; explicit environment wins."""
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")


def _variable(loc: tuple[Any, ...]) -> str:
    return "PAPERPANELS_" + "__".join(str(part).upper() for part in loc)


def _message(msg: str) -> str:
    return msg.removeprefix("Value error, ")


def load_settings(overrides: dict[str, Any] | None = None, *, check_store: bool = True) -> Any:
    """This command's settings, as a value: the environment / config file, then its options.

    overrides map dotted names (`store.uri`, `concurrency`...) to values; None leaves one as it is.
    A bad value ends the command with one line naming it (exit 2), before anything starts.
    """
    from pydantic import ValidationError

    try:
        settings = get_settings().with_values(**(overrides or {}))
    except ValidationError as exc:
        problems = [
            f"{_variable(e['loc'])}={e.get('input')!r}: {_message(e['msg'])}" if e["loc"] else e["msg"]
            for e in exc.errors()
        ]
        raise fail("invalid setting: " + "; ".join(problems)) from None
    except (FileNotFoundError, ValueError) as exc:
        raise fail(f"invalid setting: {exc}") from None
    # From here on every log record is masked: the secrets and folders of these settings.
    install_log_redaction(settings.redactor())
    if check_store:
        check_store_usable(settings)
    return settings


def published(conference: str, settings: Settings) -> tuple[Any, Any]:
    """(store, current release or None) of a conference slug; a bad slug ends the command (exit 2)."""
    try:
        validate_safe_id(conference, "conference slug")
    except ValueError as exc:
        raise fail(exc) from None
    store = store_for(settings.store)
    return store, read_current(store, conference)


def check_store_usable(settings: Settings) -> None:
    """Open the configured store and make sure it can be written (local) or reached (S3)."""
    uri = settings.store.uri
    try:
        store = store_for(settings.store)
    except StoreError as exc:
        raise fail(f"store: {exc}") from None
    root = getattr(store, "root", None)
    if root is not None:
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise fail(f"store {uri!r}: cannot create the directory ({exc.strerror or exc})") from None
        if not os.access(root, os.W_OK):
            raise fail(f"store {uri!r}: the directory is not writable") from None
        return
    client = getattr(store, "client", None)
    if client is None:
        return
    try:
        client.head_bucket(Bucket=store.bucket)  # type: ignore[attr-defined]
    except Exception as exc:  # botocore raises many kinds; each is "the store cannot be used"
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        why = {"404": "the bucket does not exist", "403": "access denied"}.get(str(code), str(exc))
        raise fail(f"store {uri!r}: {why}") from None


# --------------------------------------------------------------------------- Prefect server


def _die_with_parent() -> None:
    """In the server's child process: ask Linux to SIGTERM it when the CLI dies, however it dies."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(0)


# Both: with memoizing on, Prefect imports every integration before it looks at either setting.
SKIP_BLOCK_REGISTRATION = {
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}


def _block_types_in(url: str) -> int:
    """Block types in the server's SQLite database (0 where there is none or it cannot be read)."""
    import sqlite3

    path = url.partition(":///")[2] if url.startswith("sqlite") else ""
    if not path or not os.path.isfile(path):
        return 0
    try:
        from pathlib import Path

        read_only = f"{Path(path).resolve().as_uri()}?mode=ro"  # a path with '?' or '#' stays a path
        with contextlib.closing(sqlite3.connect(read_only, uri=True)) as db:
            return int(db.execute("SELECT count(*) FROM block_type").fetchone()[0])
    except sqlite3.Error:
        return 0


def _blocks_marker() -> tuple[Any, str, int]:
    """Where the temporary server notes that its database holds the block types of the installed
    Prefect and integrations, what the note says (a hash of their versions and the database's
    address) and how many block types the database holds now. A new or emptied database, or an
    integration installed or upgraded since, registers them again."""
    import hashlib
    from importlib.metadata import entry_points
    from pathlib import Path

    import prefect
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL, PREFECT_HOME

    dists = sorted(
        f"{ep.dist.name}=={ep.dist.version}"
        for ep in entry_points(group="prefect.collections")
        if ep.dist is not None
    )
    url = str(PREFECT_API_DATABASE_CONNECTION_URL.value() or "")
    said = f"prefect=={prefect.__version__} {' '.join(dists)} db:{url}"
    marker = Path(PREFECT_HOME.value()) / "paperpanels-blocks-registered"
    return marker, hashlib.sha256(said.encode()).hexdigest(), _block_types_in(url)


def _blocks_registered() -> bool:
    marker, key, count = _blocks_marker()
    try:
        noted_key, noted = marker.read_text(encoding="utf-8").split()
    except (OSError, ValueError):
        return False
    return noted_key == key and 0 < int(noted) <= count


def _note_blocks_registered() -> None:
    with contextlib.suppress(OSError, ValueError):
        marker, key, count = _blocks_marker()
        if count:
            marker.write_text(f"{key} {count}", encoding="utf-8")


def owned_server_class() -> Any:
    from prefect.server.api.server import SubprocessASGIServer

    # Registering block types at start-up first imports every installed Prefect integration (~4.5
    # CPU-s, a third of the server's start); once this database holds them, the server skips it.
    registered = _blocks_registered()

    class OwnedServer(SubprocessASGIServer):
        """Prefect's temporary server, started as a child that ends with this process."""

        def _run_uvicorn_command(self) -> Any:
            import subprocess

            original = subprocess.Popen
            preexec = _die_with_parent if sys.platform.startswith("linux") else None

            def popen(*args: Any, **kwargs: Any) -> Any:
                kwargs.setdefault("preexec_fn", preexec)
                if registered and kwargs.get("env") is not None:
                    kwargs["env"] = {**kwargs["env"], **SKIP_BLOCK_REGISTRATION}
                return original(*args, **kwargs)

            subprocess.Popen = popen  # type: ignore[misc,assignment]
            try:
                return super()._run_uvicorn_command()
            finally:
                subprocess.Popen = original  # type: ignore[misc]

    return OwnedServer


def local_server(settings: Settings | None) -> str | None:
    """The API of the server `paperpanels server` keeps up on this machine, when it answers at once."""
    import httpx

    port = (settings or get_settings()).ops.server_port
    api = f"http://127.0.0.1:{port}/api"
    try:
        return api if httpx.get(f"{api}/health", timeout=0.5).status_code == 200 else None
    except httpx.HTTPError:
        return None


@contextlib.contextmanager
def prefect_session(settings: Settings | None = None) -> Iterator[None]:
    """The Prefect API for one command: PREFECT_API_URL if set, else the local `paperpanels server`
    when it is up, else a server this process owns; said on stderr.

    A local or owned server gets the rate limits `paperpanels bootstrap` makes on a real one (from
    settings, when given): the stages ask for them, and a missing one is a warning per download.
    """
    prefect_defaults()
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        say(f"Prefect: the server at {PREFECT_API_URL.value()} (PREFECT_API_URL)", to_err=True)
        yield
        return
    if (api := local_server(settings)) is not None:
        say(f"Prefect: the local server at {api} (paperpanels server)", to_err=True)
        with temporary_settings(updates={PREFECT_API_URL: api}):
            if settings is not None:
                _owned_rate_limits(settings)
            try:
                yield
            finally:
                _drain_prefect_workers()
        return
    say("Prefect: a temporary server for this command (`paperpanels server` keeps one up)", to_err=True)
    server = owned_server_class()(port=None)
    server.start()
    _note_blocks_registered()  # healthy: its block types are in its database now
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            if settings is not None:
                _owned_rate_limits(settings)
            try:
                yield
            finally:
                _drain_prefect_workers()
    finally:
        server.stop()


def _owned_rate_limits(settings: Settings) -> None:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        ensure_rate_limits(client, settings.ops)


def _drain_prefect_workers(timeout_s: float = 5.0) -> None:
    """Send the logs and events still queued while the server is up (else: retries, then ~70 s lost)."""
    from prefect._internal.concurrency.services import QueueService

    QueueService.drain_all(timeout=timeout_s)


# --------------------------------------------------------------------------- signals


class Stopped(KeyboardInterrupt):
    """A run stopped by SIGINT or SIGTERM."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return EXIT_SIGTERM if self.signum == signal.SIGTERM else EXIT_SIGINT


def run_stoppable(work: Callable[[], T], on_stop: Callable[[], None], grace_s: float = GRACE_S) -> T:
    """Run work (a flow) in a thread while this, the main thread, answers SIGINT / SIGTERM.

    The flow runs off the main thread so that Prefect's own SIGTERM handling (made for runs a
    worker cancels) does not take over: here the first signal calls on_stop (no new stage starts),
    gives running stages grace_s seconds, and raises Stopped; a second signal exits at once.
    """
    if threading.current_thread() is not threading.main_thread():
        return work()
    outcome: dict[str, Any] = {}
    context = contextvars.copy_context()  # Prefect's settings and client live in context variables

    def target() -> None:
        try:
            outcome["value"] = context.run(work)
        except BaseException as exc:  # handed to the main thread as it is
            outcome["error"] = exc

    received: list[int] = []

    def handler(signum: int, frame: object) -> None:
        if received:
            os._exit(EXIT_SIGTERM if signum == signal.SIGTERM else EXIT_SIGINT)
        received.append(signum)
        warn(
            "stopping:",
            f"{signal.Signals(signum).name}: no new stage starts; running ones get {grace_s:.0f} s "
            "(signal again to stop at once).",
        )
        on_stop()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    worker = threading.Thread(target=target, name="paperpanels-run", daemon=True)
    try:
        worker.start()
        deadline: float | None = None
        while worker.is_alive():
            worker.join(0.2)
            if received and deadline is None:
                deadline = time.monotonic() + grace_s
            if deadline is not None and time.monotonic() > deadline:
                break
    finally:
        for s, old in previous.items():
            signal.signal(s, old)
    if received:
        raise Stopped(received[0])
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


def exit_now(code: int) -> None:
    """Leave at once (stage threads still running are abandoned; the store is consistent)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
