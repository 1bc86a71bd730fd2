"""Per-user and per-credential fixed-window rate limits (generous; polls have their own, higher budget).

The check runs on the event loop before a call's first database step, so a slow or unreachable Redis
never holds a database slot: it needs only what the request carries (the API key's digest, or the
platform token's user id; `comfyweb.auth.credential_identity`). The counters live in Redis when the
platform has one (every process shares them; one client per event loop), else in Django's cache (the
embedded, single-process default).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import weakref
from typing import Any

import redis
import redis.asyncio as aredis
from django.conf import settings
from django.core.cache import cache

from comfyweb.auth import CredentialIdentity
from comfyweb.errors import ApiError

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
KEY_TTL_SECONDS = WINDOW_SECONDS + 10
# How long Redis may take before the call goes on unlimited (fail open, logged): well under a second.
REDIS_TIMEOUT_SECONDS = 0.25

# INCR each window counter, giving a new one its TTL: one command and one reply per call.
_COUNT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return counts
"""

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[str, Any]] = weakref.WeakKeyDictionary()
# Which user an API key belongs to, learnt when a call authenticates: later calls with that key also count
# against the user's limit before any database work. Bounded; a forgotten key counts per key only once.
_key_owner: dict[str, str] = {}
_KEY_OWNER_MAX = 50_000


def learn_key_owner(key_digest: str, user_public_id: str, *, poll: bool) -> None:
    """After authentication: remember whose key this is. The first time (per process), the call was counted
    per key only, so it is counted against the user now, once (best effort, short timeout)."""
    if _key_owner.get(key_digest) == user_public_id:
        return
    if len(_key_owner) >= _KEY_OWNER_MAX:
        _key_owner.clear()
    _key_owner[key_digest] = user_public_id
    key = _counter_key(f"u{user_public_id}", poll=poll, window=int(time.time() // WINDOW_SECONDS))
    try:
        url = settings.REDIS_URL
        if url:
            _sync_redis(url).eval(_COUNT_SCRIPT, 1, key, KEY_TTL_SECONDS)
        else:
            _count_cache(key)
    except Exception:
        logger.warning("Rate-limit counters unavailable; not counting this call", exc_info=True)


@functools.cache
def _sync_redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )


def _counter_key(ident: str, *, poll: bool, window: int) -> str:
    return f"proxy-rl:{'poll' if poll else 'call'}:{ident}:{window}"


def _script(url: str) -> Any:
    """This event loop's Redis client and registered script (asyncio connections belong to one loop)."""
    loop = asyncio.get_running_loop()
    found = _clients.get(loop)
    if found is None or found[0] != url:
        client = aredis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        found = _clients[loop] = (url, client.register_script(_COUNT_SCRIPT))
    return found[1]


async def _counts_redis(url: str, keys: list[str]) -> list[int]:
    counted = await asyncio.wait_for(_script(url)(keys=keys, args=[KEY_TTL_SECONDS]), REDIS_TIMEOUT_SECONDS)
    return [int(count) for count in counted]


def _count_cache(key: str) -> int:
    try:
        return int(cache.incr(key))
    except ValueError:  # first call in this window
        if cache.add(key, 1, KEY_TTL_SECONDS):
            return 1
        return int(cache.incr(key))


async def _counts(keys: list[str]) -> list[int]:
    url = settings.REDIS_URL
    if url:
        return await _counts_redis(url, keys)
    return [_count_cache(key) for key in keys]  # local memory: no I/O


def _limits(who: CredentialIdentity, *, poll: bool) -> list[tuple[str, int]]:
    per_user = settings.PROXY_POLLS_PER_MINUTE if poll else settings.PROXY_CALLS_PER_MINUTE_PER_USER
    user = who.user_public_id or _key_owner.get(who.key_digest or "", "")
    limits = [(f"u{user}", per_user)] if user else []
    if who.key_digest and not poll:
        limits.append((f"k{who.key_digest}", settings.PROXY_CALLS_PER_MINUTE_PER_KEY))
    elif who.key_digest and not user:
        limits.append((f"k{who.key_digest}", per_user))  # a poll with a key we have not seen yet
    return limits


async def rate_limit_check(who: CredentialIdentity, *, poll: bool) -> None:
    """429 + Retry-After (1-150 s, comfy-contract §3.2) when a user or key exceeds its window.

    A request with no usable credential is not counted: authentication refuses it (401) without any
    database work either."""
    limits = _limits(who, poll=poll)
    if not limits:
        return
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    try:
        counts = await _counts([_counter_key(ident, poll=poll, window=window) for ident, _limit in limits])
    except Exception:  # the counters being down must not stop paid calls: fail open (logged)
        logger.warning("Rate-limit counters unavailable; not limiting this call", exc_info=True)
        return
    for (_ident, limit), count in zip(limits, counts, strict=True):
        if count > limit:
            retry = max(1, min(150, int(WINDOW_SECONDS - now % WINDOW_SECONDS) + 1))
            raise ApiError(
                429,
                "rate_limited",
                f"Too many requests: at most {limit} per minute. Try again in {retry} s.",
                headers={"Retry-After": str(retry)},
            )
