"""The per-user / per-key window counters (Redis in production and CI, Django's cache when embedded).

They run on the event loop before any database step, from what the request carries alone."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.cache import cache

from comfyweb.auth import CredentialIdentity
from comfyweb.errors import ApiError
from nodes.engine import ratelimit


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    cache.clear()  # FLUSHDB on this worker's Redis database, or the local memory cache
    ratelimit._key_owner.clear()


def check(who: CredentialIdentity, *, poll: bool = False) -> None:
    async_to_sync(ratelimit.rate_limit_check)(who, poll=poll)


def test_it_refuses_the_call_past_the_key_limit_with_retry_after(settings: object) -> None:
    settings.PROXY_CALLS_PER_MINUTE_PER_KEY = 2  # type: ignore[attr-defined]
    key = CredentialIdentity(key_digest="k7")
    check(key)
    check(key)
    with pytest.raises(ApiError) as refused:
        check(key)
    assert refused.value.status == 429
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 150
    check(CredentialIdentity(key_digest="k8"))  # another key: fine


def test_a_users_keys_share_the_user_limit_once_their_owner_is_known(settings: object) -> None:
    settings.PROXY_CALLS_PER_MINUTE_PER_USER = 3  # type: ignore[attr-defined]
    check(CredentialIdentity(key_digest="a"))  # first sight of the key: counted per key…
    ratelimit.learn_key_owner("a", "user-1", poll=False)  # …and, after authentication, per user
    ratelimit.learn_key_owner("b", "user-1", poll=False)
    check(CredentialIdentity(key_digest="a"))
    with pytest.raises(ApiError):
        check(CredentialIdentity(key_digest="b"))


def test_it_counts_nothing_for_a_request_without_a_credential(settings: object) -> None:
    settings.PROXY_CALLS_PER_MINUTE_PER_USER = 1  # type: ignore[attr-defined]
    for _ in range(5):
        check(CredentialIdentity())  # authentication answers 401, without any database work either


def test_a_redis_outage_lets_calls_through_without_waiting(settings: object) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # type: ignore[attr-defined]  # nothing listens there
    settings.PROXY_CALLS_PER_MINUTE_PER_KEY = 1  # type: ignore[attr-defined]
    for _ in range(3):
        check(CredentialIdentity(key_digest="z"))


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL); CI has it")
def test_every_redis_counter_expires_after_its_window() -> None:
    who = CredentialIdentity(user_public_id="u3", key_digest="")
    check(who)
    check(who)
    client = ratelimit._sync_redis(settings.REDIS_URL)
    keys = [str(k, "ascii") if isinstance(k, bytes) else k for k in client.keys("proxy-rl:call:*")]
    assert sorted(k.split(":")[2] for k in keys) == ["uu3"]
    for key in keys:
        assert int(client.get(key) or 0) == 2
        assert 0 < client.ttl(key) <= ratelimit.KEY_TTL_SECONDS
