"""Per-user and per-key fixed-window rate limits (generous; polls have their own, higher budget)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

from comfyweb.errors import ApiError

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


def _count(key: str) -> int:
    """Increment the window's counter: one cache round trip in the common case (the key exists)."""
    try:
        return int(cache.incr(key))
    except ValueError:  # first call in this window
        if cache.add(key, 1, WINDOW_SECONDS + 10):
            return 1
        return int(cache.incr(key))


def rate_limit_check(*, user_id: int, api_key_id: int | None, poll: bool) -> None:
    """429 + Retry-After (1-150 s, comfy-contract §3.2) when a user or key exceeds its window."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    scope = "poll" if poll else "call"
    per_user = settings.PROXY_POLLS_PER_MINUTE if poll else settings.PROXY_CALLS_PER_MINUTE_PER_USER
    limits = [(f"u{user_id}", per_user)]
    if api_key_id is not None and not poll:
        limits.append((f"k{api_key_id}", settings.PROXY_CALLS_PER_MINUTE_PER_KEY))
    for ident, limit in limits:
        try:
            count = _count(f"proxy-rl:{scope}:{ident}:{window}")
        except Exception:  # the cache being down must not stop paid calls: fail open (logged)
            logger.warning("Rate-limit cache unavailable; not limiting this call", exc_info=True)
            return
        if count > limit:
            retry = max(1, min(150, int(WINDOW_SECONDS - now % WINDOW_SECONDS) + 1))
            raise ApiError(
                429,
                "rate_limited",
                f"Too many requests: at most {limit} per minute. Try again in {retry} s.",
                headers={"Retry-After": str(retry)},
            )
