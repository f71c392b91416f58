"""Stage locks in Redis that die with their holder (ops.locks = "redis": several machines).

prefect-redis's RedisLockManager takes a lock with `hold_timeout` as its TTL, but Prefect's
transactions call `acquire_lock(key, holder, timeout)` without one: every lock was a key with no
TTL, so a run killed with `kill -9` left its locks for ever and the next run waited in silence.
Here each lock is a key with a TTL of one lease (`ops.lock_lease_s`), renewed in the background
while its holder lives, beside an owner key naming the holder (host, pid, process start:
tasks/holders.py). A waiter takes over at once a lock whose holder is known dead (same host), at
the latest when its TTL runs out (another host), and says whom it waits for and how long at most.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
import weakref
from typing import Any

from prefect_redis.locking import RedisLockManager

from flows.runtime.locks import wait_logged
from tasks.holders import describe, gone, me

log = logging.getLogger("paperpanels.locks")

# KEYS: lock, owner. ARGV: holder token, TTL in ms. Each runs atomically in Redis.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2]); redis.call('pexpire', KEYS[2], ARGV[2]); return 1
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1], KEYS[2]); return 1 end
return 0
"""


class LeasedRedisLocks(RedisLockManager):
    """Prefect LockManager in Redis: locks with a TTL renewed by a live holder, dead holders taken over."""

    def __init__(self, url: str, lease_s: float = 30.0) -> None:
        super().__init__(connection_url=url)
        self.url = url
        self.lease_s = lease_s
        self._held: dict[str, tuple[str, int]] = {}  # lock name -> (holder, TTL ms), held here
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self._renew = self.client.register_script(_RENEW)
        self._release = self.client.register_script(_RELEASE)
        weakref.finalize(self, self._stop.set)

    def __reduce__(self) -> tuple[Any, tuple[str, float]]:
        # In a worker process: that process's own manager (its renewer, its held locks).
        return (shared_redis_locks, (self.url, self.lease_s))

    @staticmethod
    def _owner_name(name: str) -> str:
        return f"{name}:owner"

    def _owner(self, key: str) -> dict[str, Any] | None:
        body = self.client.get(self._owner_name(self._lock_name_for_key(key)))
        if body is None:
            return None
        try:
            return dict(json.loads(body))
        except (ValueError, TypeError):
            return None

    def _take_over_if_dead(self, key: str) -> bool:
        """Delete the lock of a holder known dead (same host, process gone); True if it was."""
        owner = self._owner(key)
        why = gone(owner) if owner else None
        if owner is None or why is None:
            return False
        name = self._lock_name_for_key(key)
        if self._release(keys=[name, self._owner_name(name)], args=[owner.get("holder", "")]):
            log.warning("stage lock %s released: %s", key[:24], why)
        return True

    # -- renewal

    def _ensure_renewer(self) -> None:
        if self._renewer is not None and self._renewer.is_alive():
            return
        self._renewer = threading.Thread(target=self._renew_loop, name="paperpanels-redis-lease", daemon=True)
        self._renewer.start()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            self.renew()

    def renew(self) -> None:
        """Extend the TTL of every lock this manager holds; say so of one found lost."""
        with self._mutex:
            held = dict(self._held)
        for name, (holder, ttl_ms) in held.items():
            try:
                kept = self._renew(keys=[name, self._owner_name(name)], args=[holder, ttl_ms])
            except Exception as exc:  # Redis away for a moment: the TTL covers the next try
                log.warning("could not renew stage lock %s: %s", name[:29], exc)
                continue
            if not kept:
                with self._mutex:
                    # Released (or taken again, by another holder here) since the list was read:
                    # nothing was lost, and a new holding is not forgotten.
                    if self._held.get(name) != (holder, ttl_ms):
                        continue
                    self._held.pop(name)
                log.warning("stage lock %s was lost (it expired or was taken over)", name[:29])

    # -- the LockManager protocol

    def acquire_lock(
        self, key: str, holder: str, acquire_timeout: float | None = None, hold_timeout: float | None = None
    ) -> bool:
        name = self._lock_name_for_key(key)
        ttl_s = hold_timeout or self.lease_s
        ttl_ms = int(ttl_s * 1000)
        deadline = None if acquire_timeout is None else time.monotonic() + acquire_timeout
        while True:
            if self.client.set(name, holder, nx=True, px=ttl_ms):
                owner = json.dumps(me(ttl_s, holder=holder))
                self.client.set(self._owner_name(name), owner, px=ttl_ms)
                with self._mutex:
                    self._held[name] = (holder, ttl_ms)
                self._ensure_renewer()
                return True
            if self.is_lock_holder(key, holder):
                return True
            if self._take_over_if_dead(key):
                continue
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not self.wait_for_lock(key, left):
                return False

    async def aacquire_lock(
        self, key: str, holder: str, acquire_timeout: float | None = None, hold_timeout: float | None = None
    ) -> bool:
        import anyio

        return await anyio.to_thread.run_sync(self.acquire_lock, key, holder, acquire_timeout, hold_timeout)

    def release_lock(self, key: str, holder: str) -> None:
        name = self._lock_name_for_key(key)
        with self._mutex:
            self._held.pop(name, None)
        if self._release(keys=[name, self._owner_name(name)], args=[holder]):
            return
        if self.is_locked(key):  # held, by someone else
            raise ValueError(f"No lock held by {holder} for transaction with key {key}")

    def is_locked(self, key: str) -> bool:
        return bool(self.client.exists(self._lock_name_for_key(key)))

    def is_lock_holder(self, key: str, holder: str) -> bool:
        token = self.client.get(self._lock_name_for_key(key))
        return token is not None and token.decode() == holder

    def _whom(self, key: str) -> str:
        owner = self._owner(key)
        ttl_ms = self.client.pttl(self._lock_name_for_key(key))
        if owner is None:
            return f"an unnamed holder, {max(ttl_ms, 0) / 1000:.0f} s left on its lock"
        return describe({**owner, "lease_until": time.time() + max(ttl_ms, 0) / 1000})

    def _held_by_the_living(self, key: str) -> bool:
        return self.is_locked(key) and not self._take_over_if_dead(key)

    def wait_for_lock(self, key: str, timeout: float | None = None) -> bool:
        return wait_logged(self._held_by_the_living, self._whom, key, timeout)

    async def await_for_lock(self, key: str, timeout: float | None = None) -> bool:
        import anyio

        return await anyio.to_thread.run_sync(self.wait_for_lock, key, timeout)


@functools.lru_cache(maxsize=8)
def shared_redis_locks(url: str, lease_s: float) -> LeasedRedisLocks:
    """This process's one manager of the stage locks in the Redis at `url`."""
    return LeasedRedisLocks(url, lease_s=lease_s)
