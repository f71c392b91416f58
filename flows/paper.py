"""One paper's chain of stages, submitted so that papers run concurrently."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from prefect import Task
from prefect.futures import PrefectFuture

from config.settings import get_settings
from tasks.models import AwardEntry, StageName
from tasks.stages import acquire_pdf, draw_comic, parse_paper, summarize_paper


def _expiring_file_locks(directory: Path, hold_s: float) -> Any:
    """File locks that expire: a process killed while holding one does not block the stage forever."""
    from prefect.locking.filesystem import FileSystemLockManager

    class ExpiringFileLocks(FileSystemLockManager):
        def acquire_lock(
            self,
            key: str,
            holder: str,
            acquire_timeout: float | None = None,
            hold_timeout: float | None = None,
        ) -> bool:
            return super().acquire_lock(key, holder, acquire_timeout, hold_timeout or hold_s)

    return ExpiringFileLocks(directory)


@lru_cache(maxsize=4)
def lock_manager(kind: str, redis_url: str | None = None, hold_s: float = 1800.0) -> Any:
    """One lock manager per kind and process: identical stage runs wait for each other's result."""
    if kind == "memory":
        from prefect.locking.memory import MemoryLockManager

        return MemoryLockManager()
    if kind == "file":
        from prefect.settings import PREFECT_HOME

        return _expiring_file_locks(PREFECT_HOME.value() / "paperpanels-locks", hold_s)
    if kind == "redis":
        try:
            from prefect_redis.locking import RedisLockManager
        except ImportError as exc:
            raise RuntimeError("ops.locks = 'redis' needs the prefect-redis package") from exc
        from urllib.parse import urlparse

        url = urlparse(redis_url or "redis://127.0.0.1:6379/0")
        return RedisLockManager(host=url.hostname, port=url.port or 6379, db=int(url.path.strip("/") or 0))
    return None


def durable(task: Task[Any, Any]) -> Task[Any, Any]:
    """The stage task with results in the configured block (S3) and serializable cache transactions."""
    ops = get_settings().ops
    durable_task = task
    if ops.result_block:
        durable_task = task.with_options(result_storage=f"s3-bucket/{ops.result_block}")
    manager = lock_manager(ops.locks, ops.redis_url, ops.lock_hold_s)
    if manager is not None and durable_task.cache_policy is not None:
        if durable_task is task:
            durable_task = task.with_options()
        # cache_key_fn wins over cache_policy in Task(), so the configured policy is set afterwards.
        durable_task.cache_policy = durable_task.cache_policy.configure(
            isolation_level="SERIALIZABLE", lock_manager=manager
        )
    return durable_task


def fresh(task: Task[Any, Any], force: bool, **options: Any) -> Task[Any, Any]:
    if force:
        options["refresh_cache"] = True
    # durable() last: with_options() rebuilds the cache policy from cache_key_fn.
    return durable(task.with_options(**options) if options else task)


def submit_paper(
    conference: str, entry: AwardEntry, *, force: bool = False, comic: bool = True
) -> dict[StageName, PrefectFuture[Any]]:
    """Submit acquire -> parse -> summarize -> comic for one paper; a failed stage stops its chain only."""
    # Each future is passed where its value is expected: Prefect resolves it, or skips the
    # downstream task (state NotReady) when the upstream one failed.
    pdf = fresh(acquire_pdf, force).submit(conference, entry)
    parsed = fresh(parse_paper, force).submit(conference, entry.paper_id, pdf)
    summary = fresh(summarize_paper, force).submit(conference, entry, parsed)
    chain: dict[StageName, PrefectFuture[Any]] = {
        StageName.ACQUIRE: pdf,
        StageName.PARSE: parsed,
        StageName.SUMMARIZE: summary,
    }
    if comic:  # otherwise the comic stage runs elsewhere (the draw-comics deployment)
        comic_task = fresh(draw_comic, force, tags=["gpu"])  # the `gpu` tag limit: one per GPU
        chain[StageName.COMIC] = comic_task.submit(conference, entry, summary)
    return chain
