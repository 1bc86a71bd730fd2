"""Find a user by e-mail, key prefix, Stripe ids, ComfyUI prompt id, usage id (hosted sessions: a hook)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from billing.payments.models import ChargeState
from console.search import user_search

pytestmark = pytest.mark.django_db


def _users(text: str, kind: str = "auto") -> list[str]:
    return [match.user.email for match in user_search(text=text, kind=kind)]


def test_it_finds_by_email_whole_or_part(world: dict[str, Any], outsider: Any) -> None:
    assert _users("OWNER@example.com") == ["owner@example.com"]
    assert _users("owner@", "email") == ["owner@example.com"]


def test_it_finds_by_key_prefix_and_by_a_pasted_key(world: dict[str, Any], outsider: Any) -> None:
    from accounts.services.api_keys import api_key_create

    api_key_create(user=outsider, name="theirs")
    prefix = world["key"].prefix
    assert _users(f"comfyui-{prefix[:6]}") == ["owner@example.com"]
    assert _users(f"comfyui-{prefix}…") == ["owner@example.com"]
    assert _users(world["comfy"].key) == ["owner@example.com"]  # a whole key pasted into a ticket
    assert _users("comfyui-ab") == []  # too short to mean anything


def test_it_finds_by_checkout_session_payment_intent_charge_and_dispute(world: dict[str, Any]) -> None:
    purchase = world["purchase"]
    # What Stripe's charge and dispute events record for this payment (the fulfilment made the row).
    ChargeState.objects.filter(payment_intent_id=purchase.payment_intent_id).update(
        charge_id="ch_test_123", dispute_id="dp_test_9"
    )
    for text in (purchase.checkout_session_id, purchase.payment_intent_id, "ch_test_123", "dp_test_9"):
        assert _users(text) == ["owner@example.com"], text
    assert _users("pi_unknown") == []


def test_it_finds_by_comfyui_prompt_id_and_links_the_charge(world: dict[str, Any]) -> None:
    usage = world["usage"]
    (match,) = user_search(text=usage.comfy_job_id)  # a UUID: tried as usage id, then as prompt id
    assert match.user == world["user"]
    assert match.usage == usage
    (match,) = user_search(text=usage.comfy_job_id, kind="prompt")
    assert match.usage == usage


def test_it_finds_by_usage_id(world: dict[str, Any]) -> None:
    usage = world["usage"]
    (match,) = user_search(text=str(usage.public_id))
    assert (match.user, match.usage) == (world["user"], usage)
    assert user_search(text="not-a-uuid", kind="usage") == []


def test_it_finds_by_hosted_session_id(world: dict[str, Any]) -> None:
    from canvas.models import CanvasSession

    session = CanvasSession.objects.create(user=world["user"], spawner="local")
    (match,) = user_search(text=str(session.public_id), kind="session")
    assert match.user == world["user"]
    assert user_search(text="hs_0123456789", kind="session") == []


def test_the_search_page_lists_matches_with_links(world: dict[str, Any], support_client: Client) -> None:
    usage = world["usage"]
    page = support_client.get(f"/console/?q={quote(usage.comfy_job_id)}")
    assert page.status_code == 200
    assert f"/console/users/{world['user'].public_id}".encode() in page.content
    assert f"/console/usage/{usage.public_id}".encode() in page.content
    assert support_client.get("/console/?q=nobody-here%40example.com").content.count(b"search-empty") == 1


@pytest.mark.parametrize("text", ["", " ", "x" * 301, "%00"])
def test_it_answers_odd_input_without_error(world: dict[str, Any], support_client: Client, text: str) -> None:
    reply = support_client.get(f"/console/?q={quote(text)}&kind=nonsense")
    assert reply.status_code == 200
    assert b"search-result" not in reply.content
