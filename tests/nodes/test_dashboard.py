"""The dashboard is the user's home (issue 14, item 16): balance and held credits, a buy button, the
keys count, the last calls in words, and the hook hosted sessions use for "Open ComfyUI"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts import dashboard
from billing.selectors import wallet_get_for_user
from billing.services import credits_reserve
from tests.nodes.proxy_support import ComfyClient

pytestmark = pytest.mark.django_db
RECRAFT = {"prompt": "a lighthouse", "model": "recraftv3", "size": "1024x1024", "n": 1}


def _dashboard(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.get("/dashboard").content.decode()


def test_it_shows_balance_held_keys_and_the_last_calls(proxy_comfy: ComfyClient, owner: Any) -> None:
    proxy_comfy.post_json("/proxy/recraft/image_generation", RECRAFT)  # $0.04 = 8.44 credits
    credits_reserve(
        wallet=wallet_get_for_user(user=owner),
        amount_micros=1_000_000,
        expires_at=timezone.now() + timedelta(minutes=5),
        key="running",
    )
    html = _dashboard(owner)
    # $100 funded by the fixture, minus the call.
    assert 'data-testid="dash-balance-credits">21,091.56 <small>credits' in html
    assert 'data-testid="dash-held">211 credits held</span>' in html
    assert "20,880.56 available" in html
    assert 'data-testid="dash-buy"' in html
    assert 'data-testid="dash-keys-count">1 <small>active key</small>' in html
    assert "Recraft · Recraft V3" in html
    assert "8.44" in html
    assert 'data-testid="open-comfyui"' not in html  # no hosted sessions yet


def test_a_new_user_is_told_where_to_start(owner: Any) -> None:
    html = _dashboard(owner)
    assert 'data-testid="dash-keys-count">0 <small>active keys</small>' in html
    assert "No API-node calls yet." in html
    assert ">Create a key</a>" in html


def test_hosted_sessions_add_open_comfyui(owner: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard, "_OPEN_COMFYUI", [])
    dashboard.dashboard_open_comfyui_register(lambda request: f"/comfy/{request.user.public_id}/")
    url = f"/comfy/{owner.public_id}/"
    assert f'href="{url}" data-testid="open-comfyui">Open ComfyUI</a>' in _dashboard(owner)


def test_it_never_shows_another_users_calls(proxy_comfy: ComfyClient, outsider: Any) -> None:
    proxy_comfy.post_json("/proxy/recraft/image_generation", RECRAFT)
    html = _dashboard(outsider)
    assert "Recraft V3" not in html
    assert 'data-testid="dash-balance-credits">0 <small>' in html
