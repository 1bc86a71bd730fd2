"""The per-user / per-key window counters (Redis in production and CI, Django's cache when embedded)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache

from comfyweb.errors import ApiError
from nodes.engine import ratelimit


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    cache.clear()  # FLUSHDB on this worker's Redis database, or the local memory cache


def test_it_refuses_the_call_past_the_key_limit_with_retry_after(settings: object) -> None:
    settings.PROXY_CALLS_PER_MINUTE_PER_KEY = 2  # type: ignore[attr-defined]
    ratelimit.rate_limit_check(user_id=1, api_key_id=7, poll=False)
    ratelimit.rate_limit_check(user_id=1, api_key_id=7, poll=False)
    with pytest.raises(ApiError) as refused:
        ratelimit.rate_limit_check(user_id=1, api_key_id=7, poll=False)
    assert refused.value.status == 429
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 150
    ratelimit.rate_limit_check(user_id=1, api_key_id=8, poll=False)  # another key of the same user: fine


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL); CI has it")
def test_every_redis_counter_expires_after_its_window() -> None:
    ratelimit.rate_limit_check(user_id=3, api_key_id=9, poll=False)
    ratelimit.rate_limit_check(user_id=3, api_key_id=9, poll=False)
    client = ratelimit._redis_for(settings.REDIS_URL)
    keys = [str(k, "ascii") if isinstance(k, bytes) else k for k in client.keys("proxy-rl:call:*")]
    assert sorted(k.split(":")[2] for k in keys) == ["k9", "u3"]
    for key in keys:
        assert int(client.get(key) or 0) == 2
        assert 0 < client.ttl(key) <= ratelimit.KEY_TTL_SECONDS
