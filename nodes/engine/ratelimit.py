"""Per-user and per-key fixed-window rate limits (generous; polls have their own, higher budget).

The counters live in Redis when the platform has one (every process shares them), else in Django's cache
(the embedded, single-process default). Redis is reached through one client per process: Django's cache
object is per request context, and building a client, a pool and a TCP connection per call was most of
the limiter's cost (bench/README.md, BM2).
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache

from comfyweb.errors import ApiError

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
KEY_TTL_SECONDS = WINDOW_SECONDS + 10


@functools.cache
def _redis_for(url: str) -> redis.Redis:
    # redis-py's pool is thread-safe and re-creates its connections after a fork.
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


# INCR each window counter, giving a new one its TTL: one command and one reply per call.
_COUNT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return counts
"""


@functools.cache
def _count_script(url: str) -> Any:
    return _redis_for(url).register_script(_COUNT_SCRIPT)  # EVALSHA, loading the script when missing


def _counts_redis(url: str, keys: list[str]) -> list[int]:
    return [int(count) for count in _count_script(url)(keys=keys, args=[KEY_TTL_SECONDS])]


def _count_cache(key: str) -> int:
    try:
        return int(cache.incr(key))
    except ValueError:  # first call in this window
        if cache.add(key, 1, KEY_TTL_SECONDS):
            return 1
        return int(cache.incr(key))


def _counts(keys: list[str]) -> list[int]:
    url = settings.REDIS_URL
    if url:
        return _counts_redis(url, keys)
    return [_count_cache(key) for key in keys]


def rate_limit_check(*, user_id: int, api_key_id: int | None, poll: bool) -> None:
    """429 + Retry-After (1-150 s, comfy-contract §3.2) when a user or key exceeds its window."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    scope = "poll" if poll else "call"
    per_user = settings.PROXY_POLLS_PER_MINUTE if poll else settings.PROXY_CALLS_PER_MINUTE_PER_USER
    limits = [(f"u{user_id}", per_user)]
    if api_key_id is not None and not poll:
        limits.append((f"k{api_key_id}", settings.PROXY_CALLS_PER_MINUTE_PER_KEY))
    try:
        counts = _counts([f"proxy-rl:{scope}:{ident}:{window}" for ident, _limit in limits])
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
