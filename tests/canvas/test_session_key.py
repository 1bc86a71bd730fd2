"""The credential the canvas injects is scoped: it works only while its session lives, and its spend is
capped (accounts.services.keys.key_spend_allowance is what the /proxy reservation must consult)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services.api_keys import api_key_create
from accounts.services.keys import key_spend_allowance, key_spent_micros
from billing.models import LedgerAccount
from billing.services import credits_reserve, hold_capture, hold_release
from canvas.models import CanvasSession, EndReason
from canvas.services import session_create, session_end, session_key_plaintext
from tests.nodes.conftest import fund_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool_settings(settings: Any) -> None:
    settings.CANVAS_SPAWNER = "pool"  # no backend registered: the session stays queued, no process needed
    settings.CANVAS_SESSION_SPEND_LIMIT_MICROS = 5_000_000


def _customers(key: str) -> int:
    return (
        Client().post("/customers", data={}, content_type="application/json", HTTP_X_API_KEY=key).status_code
    )


def test_it_gives_each_session_its_own_limited_expiring_key(pool_settings: None, owner: Any) -> None:
    session, _ = session_create(user=owner)
    key = ApiKey.objects.get(pk=session.api_key_id)
    assert key.user_id == owner.pk
    assert key.spend_limit_micros == 5_000_000
    assert key.expires_at is not None
    assert key.expires_at <= timezone.now() + timedelta(hours=8, seconds=5)
    plaintext = session_key_plaintext(session)
    assert plaintext.startswith("comfyui-")
    assert len(plaintext) == 72
    assert plaintext not in str(CanvasSession.objects.filter(pk=session.pk).values().get())  # never stored


def test_it_stops_authenticating_when_the_session_ends(pool_settings: None, owner: Any) -> None:
    session, _ = session_create(user=owner)
    plaintext = session_key_plaintext(session)
    assert _customers(plaintext) in (200, 201)
    session_end(session=session, reason=EndReason.USER)
    assert _customers(plaintext) == 401


def test_it_stops_authenticating_at_expiry(pool_settings: None, owner: Any) -> None:
    session, _ = session_create(user=owner)
    plaintext = session_key_plaintext(session)
    ApiKey.objects.filter(pk=session.api_key_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _customers(plaintext) == 401


def _usage(user: Any, key: ApiKey, micros: int, n: int) -> Any:
    from nodes.models import UsageRecord
    from nodes.services import prices_seed

    version = prices_seed()
    hold = credits_reserve(
        wallet=LedgerAccount(user_id=user.pk),
        amount_micros=micros,
        expires_at=timezone.now() + timedelta(minutes=5),
        key=f"test:{key.pk}:{n}",
    )
    UsageRecord.objects.create(
        user=user,
        api_key=key,
        credential="api_key",
        vendor="bfl",
        route="r",
        hold=hold,
        price_version=version,
        quoted_micros=micros,
    )
    return hold


def test_the_allowance_counts_open_holds_and_captures(pool_settings: None, owner: Any) -> None:
    fund_user(owner, 100_000_000)
    session, _ = session_create(user=owner)
    key = ApiKey.objects.get(pk=session.api_key_id)
    assert key_spend_allowance(key=key) == 5_000_000
    open_hold = _usage(owner, key, 1_000_000, 1)
    assert key_spend_allowance(key=key) == 4_000_000
    captured = _usage(owner, key, 2_000_000, 2)
    hold_capture(hold=captured, amount_micros=1_500_000)
    assert key_spent_micros(key=key) == 2_500_000
    assert key_spend_allowance(key=key) == 2_500_000
    hold_release(hold=open_hold)
    assert key_spend_allowance(key=key) == 3_500_000
    _usage(owner, key, 4_000_000, 3)  # the engine would refuse this one; the allowance never goes below 0
    assert key_spend_allowance(key=key, lock=True) == 0


def test_a_key_without_a_limit_has_no_allowance_of_its_own(owner: Any) -> None:
    key, _plaintext = api_key_create(user=owner, name="laptop")
    assert key_spend_allowance(key=key) is None


def test_the_check_refuses_what_the_allowance_cannot_cover(pool_settings: None, owner: Any) -> None:
    from accounts.services.keys import key_spend_check
    from comfyweb.errors import ApiError

    fund_user(owner, 100_000_000)
    session, _ = session_create(user=owner)
    key = ApiKey.objects.get(pk=session.api_key_id)
    key_spend_check(key=key, amount_micros=5_000_000)  # exactly the limit passes
    _usage(owner, key, 3_000_000, 1)
    key_spend_check(key=key, amount_micros=2_000_000)
    with pytest.raises(ApiError) as refused:
        key_spend_check(key=key, amount_micros=2_000_001)
    assert (refused.value.status, refused.value.error_type) == (402, "key_spend_limit")
    unlimited, _plaintext = api_key_create(user=owner, name="laptop")
    key_spend_check(key=unlimited, amount_micros=10**12)
