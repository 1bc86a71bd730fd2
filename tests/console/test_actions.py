"""Each console action: done through the owning service, one audit row (actor, subject, reason), a
reason required (nothing written without one), and the grant rules (threshold, second approver, never
oneself)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import ApiKey, AuditEvent, Device, User
from billing.models import AccountStatus, Grant, GrantStatus, LedgerAccount, LedgerTransaction
from billing.payments.models import ChargeState
from billing.selectors import wallet_balance, wallet_get_for_user
from tests.billing.payments.conftest import WEBHOOK_SECRET, deliver, event, make_purchase, session_obj
from tests.console.conftest import console_client, dalle_call

pytestmark = pytest.mark.django_db


def _available(user: Any) -> int:
    return wallet_balance(wallet=wallet_get_for_user(user=user)).available_micros


def _audit(action: str) -> AuditEvent:
    return AuditEvent.objects.get(action=action)


def _console_rows() -> int:
    return (
        AuditEvent.objects.filter(action__startswith="console.")
        .exclude(action__startswith="console.otp")
        .count()
    )


# --- grants ----------------------------------------------------------------------------------------------


def test_it_grants_within_the_threshold_at_once(
    world: dict[str, Any], support: Any, support_client: Client
) -> None:
    user = world["user"]
    before = _available(user)
    reply = support_client.post(
        f"/console/users/{user.public_id}/grant",
        {"usd": "12.50", "ticket": "T-42", "reason": "failed render"},
    )
    assert reply.status_code == 302
    assert _available(user) - before == 12_500_000
    grant = Grant.objects.get(ticket="T-42")
    assert (grant.status, grant.actor, grant.approver) == (GrantStatus.COMPLETED, support, None)
    row = _audit("console.grant")
    assert (row.actor, row.subject, row.reason, row.target) == (
        support,
        user,
        "failed render",
        f"grant:{grant.pk}",
    )
    assert row.new == {"amount_micros": 12_500_000, "ticket": "T-42", "status": "completed"}


def test_it_replays_a_double_submitted_grant(world: dict[str, Any], support_client: Client) -> None:
    user = world["user"]
    before = _available(user)
    form = {
        "usd": "5",
        "ticket": "T-43",
        "reason": "double click",
        "key": "8a0e1c8e-8d8e-4a43-9e0f-3c1d2b4a5f60",
    }
    support_client.post(f"/console/users/{user.public_id}/grant", form)
    support_client.post(f"/console/users/{user.public_id}/grant", form)
    assert _available(user) - before == 5_000_000
    assert Grant.objects.filter(ticket="T-43").count() == 1
    assert AuditEvent.objects.filter(action="console.grant").count() == 1


def test_it_replays_a_double_submitted_freeze_and_refund(
    world: dict[str, Any], admin_client_: Client
) -> None:
    user, purchase = world["user"], world["purchase"]
    freeze = {"reason": "fraud", "key": "5b1e9a3c-0d2f-4c6e-8a7b-9c0d1e2f3a4b"}
    admin_client_.post(f"/console/users/{user.public_id}/freeze", freeze)
    admin_client_.post(f"/console/users/{user.public_id}/freeze", freeze)
    assert AuditEvent.objects.filter(action="console.wallet_freeze").count() == 1
    before = _available(user)
    refund = {"usd": "3", "reason": "dup", "key": "6c2f0b4d-1e3a-4d7f-9b8c-0d1e2f3a4b5c"}
    assert admin_client_.post(f"/console/purchases/{purchase.public_id}/refund", refund).status_code == 302
    assert admin_client_.post(f"/console/purchases/{purchase.public_id}/refund", refund).status_code == 302
    assert before - _available(user) == 3_000_000
    assert AuditEvent.objects.filter(action="console.refund").count() == 1


def test_it_holds_a_grant_above_the_threshold_for_a_second_approver(
    world: dict[str, Any], support: Any, support_client: Client, settings: Any
) -> None:
    user = world["user"]
    before = _available(user)
    settings.GRANT_APPROVAL_THRESHOLD_MICROS = 50_000_000
    reply = support_client.post(
        f"/console/users/{user.public_id}/grant", {"usd": "75", "ticket": "T-44", "reason": "big outage"}
    )
    assert reply.status_code == 302
    grant = Grant.objects.get(ticket="T-44")
    assert grant.status == GrantStatus.PENDING
    assert _available(user) == before
    assert _audit("console.grant_request").new["status"] == "pending"


def test_it_never_lets_staff_approve_their_own_grant(
    world: dict[str, Any], console_admin: Any, admin_client_: Client, settings: Any
) -> None:
    user = world["user"]
    settings.GRANT_APPROVAL_THRESHOLD_MICROS = 50_000_000
    admin_client_.post(
        f"/console/users/{user.public_id}/grant", {"usd": "75", "ticket": "T-45", "reason": "mine"}
    )
    grant = Grant.objects.get(ticket="T-45")
    before, rows = _available(user), _console_rows()
    reply = admin_client_.post(f"/console/grants/{grant.pk}/approve", {"reason": "approving myself"})
    assert reply.status_code == 403
    assert b"cannot approve your own grant" in reply.content
    grant.refresh_from_db()
    assert grant.status == GrantStatus.PENDING
    assert _available(user) == before
    assert _console_rows() == rows


def test_a_second_admin_approves_and_the_credits_arrive(
    world: dict[str, Any], support: Any, support_client: Client, admin_client_: Client, settings: Any
) -> None:
    user = world["user"]
    console_admin = User.objects.get(email="admin@example.com")
    settings.GRANT_APPROVAL_THRESHOLD_MICROS = 50_000_000
    support_client.post(
        f"/console/users/{user.public_id}/grant", {"usd": "75", "ticket": "T-46", "reason": "outage"}
    )
    grant = Grant.objects.get(ticket="T-46")
    before = _available(user)
    # Support may ask, but not approve (not even someone else's grant).
    assert (
        support_client.post(f"/console/grants/{world['pending'].pk}/approve", {"reason": "x"}).status_code
        == 403
    )
    reply = admin_client_.post(f"/console/grants/{grant.pk}/approve", {"reason": "checked the outage log"})
    assert reply.status_code == 302
    grant.refresh_from_db()
    assert (grant.status, grant.actor, grant.approver) == (GrantStatus.COMPLETED, support, console_admin)
    assert _available(user) - before == 75_000_000
    row = _audit("console.grant_approve")
    assert (row.actor, row.subject, row.reason) == (console_admin, user, "checked the outage log")
    assert row.old == {"status": "pending", "requested_by": support.pk}
    # Approving again changes nothing and writes nothing.
    assert admin_client_.post(f"/console/grants/{grant.pk}/approve", {"reason": "again"}).status_code == 409
    assert _available(user) - before == 75_000_000


def test_staff_cannot_grant_to_themselves_or_approve_a_grant_to_themselves(
    support: Any, support_client: Client, console_admin: Any, admin_client_: Client, settings: Any
) -> None:
    reply = support_client.post(
        f"/console/users/{support.public_id}/grant", {"usd": "5", "ticket": "T", "reason": "me"}
    )
    assert reply.status_code == 403
    assert not Grant.objects.exists()
    settings.GRANT_APPROVAL_THRESHOLD_MICROS = 1_000_000
    admin_client_.post(
        f"/console/users/{support.public_id}/grant", {"usd": "5", "ticket": "T-2", "reason": "for support"}
    )
    grant = Grant.objects.get(ticket="T-2")
    # The grant is for support's own wallet: support may not approve it; another admin may.
    from tests.console.conftest import make_staff

    other_admin = console_client(make_staff("boss@example.com", "admin"))
    assert support_client.post(f"/console/grants/{grant.pk}/approve", {"reason": "x"}).status_code == 403
    assert other_admin.post(f"/console/grants/{grant.pk}/approve", {"reason": "ok"}).status_code == 302
    grant.refresh_from_db()
    assert grant.status == GrantStatus.COMPLETED


def test_an_admin_cannot_approve_a_grant_to_their_own_account(
    support: Any, support_client: Client, console_admin: Any, admin_client_: Client, settings: Any
) -> None:
    settings.GRANT_APPROVAL_THRESHOLD_MICROS = 1_000_000
    support_client.post(
        f"/console/users/{console_admin.public_id}/grant", {"usd": "5", "ticket": "T-3", "reason": "x"}
    )
    grant = Grant.objects.get(ticket="T-3")
    reply = admin_client_.post(f"/console/grants/{grant.pk}/approve", {"reason": "for me"})
    assert reply.status_code == 403
    assert b"your own account" in reply.content
    grant.refresh_from_db()
    assert grant.status == GrantStatus.PENDING


def test_it_refuses_a_grant_without_a_ticket_or_a_positive_amount(
    world: dict[str, Any], support_client: Client
) -> None:
    user = world["user"]
    before, grants = _available(user), Grant.objects.count()
    url = f"/console/users/{user.public_id}/grant"
    assert support_client.post(url, {"usd": "5", "reason": "r"}).status_code == 400
    assert support_client.post(url, {"usd": "-5", "ticket": "T", "reason": "r"}).status_code == 400
    assert support_client.post(url, {"usd": "abc", "ticket": "T", "reason": "r"}).status_code == 400
    assert (_available(user), Grant.objects.count()) == (before, grants)


# --- the reason rule, for every action ------------------------------------------------------------------

ACTIONS = {
    "grant": ("/console/users/{user}/grant", {"usd": "5", "ticket": "T-1"}),
    "grant_approve": ("/console/grants/{pending}/approve", {}),
    "refund": ("/console/purchases/{purchase}/refund", {"usd": "1"}),
    "freeze": ("/console/users/{user}/freeze", {}),
    "unfreeze": ("/console/users/{user}/unfreeze", {}),
    "key_revoke": ("/console/users/{user}/keys/{key}/revoke", {}),
    "devices_sign_out": ("/console/users/{user}/devices/sign-out", {}),
    "session_end": ("/console/users/{user}/sessions/hs_1/end", {}),
    "deletion_hold": ("/console/users/{user}/deletion/hold", {}),
    "deletion_release": ("/console/users/{user}/deletion/release", {}),
}


@pytest.mark.parametrize("reason", [None, "", "   ", "x" * 501])
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_it_requires_a_reason_and_writes_nothing_without_one(
    action: str, reason: str | None, world: dict[str, Any], admin_client_: Client
) -> None:
    template, form = ACTIONS[action]
    url = template.format(
        user=world["user"].public_id,
        pending=world["pending"].pk,
        purchase=world["purchase"].public_id,
        key=world["key"].public_id,
    )
    data = dict(form) if reason is None else {**form, "reason": reason}
    counts = (_console_rows(), Grant.objects.count(), LedgerTransaction.objects.count())
    reply = admin_client_.post(url, data)
    assert reply.status_code == 400
    assert b"Nothing was done" in reply.content
    assert (_console_rows(), Grant.objects.count(), LedgerTransaction.objects.count()) == counts
    assert LedgerAccount.objects.get(user=world["user"]).status == AccountStatus.ACTIVE
    assert ApiKey.objects.get(pk=world["key"].pk).revoked_at is None


# --- freeze, keys, devices -------------------------------------------------------------------------------


def test_freezing_stops_new_calls_and_unfreezing_lets_them_through(
    world: dict[str, Any], console_admin: Any, admin_client_: Client
) -> None:
    user, comfy = world["user"], world["comfy"]
    reply = admin_client_.post(f"/console/users/{user.public_id}/freeze", {"reason": "chargeback fraud"})
    assert reply.status_code == 302
    assert LedgerAccount.objects.get(user=user).status == AccountStatus.FROZEN
    row = _audit("console.wallet_freeze")
    assert (row.actor, row.reason, row.old, row.new) == (
        console_admin,
        "chargeback fraud",
        {"status": "active"},
        {"status": "frozen"},
    )
    blocked = comfy.post_json(
        "/proxy/openai/images/generations", {"prompt": "x", "model": "dall-e-2", "n": 1}
    )
    assert blocked.status_code == 409
    admin_client_.post(f"/console/users/{user.public_id}/unfreeze", {"reason": "cleared"})
    assert LedgerAccount.objects.get(user=user).status == AccountStatus.ACTIVE
    assert _audit("console.wallet_unfreeze").new == {"status": "active"}
    assert dalle_call(comfy, n=1).status == "succeeded"


def test_revoking_a_key_makes_it_answer_401(
    world: dict[str, Any], console_admin: Any, admin_client_: Client
) -> None:
    user, key, comfy = world["user"], world["key"], world["comfy"]
    reply = admin_client_.post(
        f"/console/users/{user.public_id}/keys/{key.public_id}/revoke", {"reason": "leaked on GitHub"}
    )
    assert reply.status_code == 302
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    row = _audit("console.key_revoke")
    assert (row.subject, row.target, row.new) == (user, f"api_key:{key.public_id}", {"revoked": True})
    assert comfy.post_json("/proxy/openai/images/generations", {"prompt": "x"}).status_code == 401


def test_it_cannot_revoke_another_users_key_through_this_user(
    world: dict[str, Any], outsider: Any, admin_client_: Client
) -> None:
    from accounts.services.api_keys import api_key_create

    other_key, _ = api_key_create(user=outsider, name="theirs")
    url = f"/console/users/{world['user'].public_id}/keys/{other_key.public_id}/revoke"
    assert admin_client_.post(url, {"reason": "wrong user"}).status_code == 404
    assert ApiKey.objects.get(pk=other_key.pk).revoked_at is None


def test_signing_out_devices_ends_the_users_sessions(world: dict[str, Any], admin_client_: Client) -> None:
    user = world["user"]
    browser = Client()
    browser.post("/login", {"email": user.email, "password": "correct horse battery staple"})
    assert browser.get("/dashboard").status_code == 200
    assert Device.objects.filter(user=user, revoked_at__isnull=True).count() == 1
    reply = admin_client_.post(
        f"/console/users/{user.public_id}/devices/sign-out", {"reason": "account takeover"}
    )
    assert reply.status_code == 302
    assert Device.objects.filter(user=user, revoked_at__isnull=True).count() == 0
    assert browser.get("/dashboard").status_code == 302
    assert _audit("console.devices_sign_out").new == {"devices_signed_out": 1}


def test_actions_on_things_the_user_does_not_have_are_refused_and_write_nothing(
    world: dict[str, Any], admin_client_: Client
) -> None:
    user = world["user"]
    reply = admin_client_.post(f"/console/users/{user.public_id}/sessions/hs_1/end", {"reason": "stuck"})
    assert reply.status_code == 409
    assert b"No such hosted session" in reply.content
    page = admin_client_.get(f"/console/users/{user.public_id}")
    assert b"No hosted sessions." in page.content
    for path in ("deletion/hold", "deletion/release"):
        reply = admin_client_.post(f"/console/users/{user.public_id}/{path}", {"reason": "legal hold"})
        assert reply.status_code == 409
        assert b"no deletion request" in reply.content
    assert _console_rows() == 0


# --- refunds ---------------------------------------------------------------------------------------------


def test_a_sandbox_refund_is_booked_like_the_webhook_would(
    world: dict[str, Any], console_admin: Any, admin_client_: Client
) -> None:
    user, purchase = world["user"], world["purchase"]
    before = _available(user)
    reply = admin_client_.post(
        f"/console/purchases/{purchase.public_id}/refund", {"usd": "4.00", "reason": "duplicate"}
    )
    assert reply.status_code == 302
    assert before - _available(user) == 4_000_000
    state = ChargeState.objects.get(payment_intent_id=purchase.payment_intent_id)
    assert (state.refunded_micros_seen, state.clawed_back_micros) == (4_000_000, 4_000_000)
    row = _audit("console.refund")
    assert (row.actor, row.subject, row.target) == (console_admin, user, f"purchase:{purchase.public_id}")
    assert row.new["refund_micros"] == 4_000_000
    # At most what is left: $6 remains, $6.01 is refused and nothing moves.
    reply = admin_client_.post(
        f"/console/purchases/{purchase.public_id}/refund", {"usd": "6.01", "reason": "too much"}
    )
    assert reply.status_code == 409
    assert before - _available(user) == 4_000_000
    admin_client_.post(
        f"/console/purchases/{purchase.public_id}/refund", {"usd": "6.00", "reason": "the rest"}
    )
    assert before - _available(user) == 10_000_000


@pytest.fixture
def stripe_paid(owner: Any, settings: Any, client: Client) -> Any:
    from tests.billing.payments.stripe_stub import start_stub

    stub, server = start_stub()
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_SECRET_KEY = "sk_test_stub"
    settings.STRIPE_API_BASE = stub.url
    purchase = make_purchase(owner)
    assert deliver(client, event("checkout.session.completed", session_obj(purchase))).status_code == 200
    purchase.refresh_from_db()
    yield stub, purchase
    server.shutdown()
    server.server_close()


def test_a_stripe_refund_goes_through_stripe_and_the_webhook_books_it(
    owner: Any, console_admin: Any, admin_client_: Client, client: Client, stripe_paid: Any
) -> None:
    stub, purchase = stripe_paid
    assert _available(owner) == 10_000_000
    form = {"usd": "2.50", "reason": "unhappy", "key": "0f5f8d2e-7a4b-4b8e-9c1d-2e3f4a5b6c7d"}
    reply = admin_client_.post(f"/console/purchases/{purchase.public_id}/refund", form)
    assert reply.status_code == 302
    (call,) = stub.posts("/v1/refunds")
    assert call.form == {"payment_intent": purchase.payment_intent_id, "amount": "250"}
    assert call.idempotency_key == f"refund:{form['key']}"
    assert _available(owner) == 10_000_000  # not booked until Stripe says so
    assert _audit("console.refund").new["refund_id"] == stub.created["/v1/refunds"][0]["id"]
    refunded = {
        "id": "ch_1",
        "object": "charge",
        "amount": 1000,
        "amount_refunded": 250,
        "payment_intent": purchase.payment_intent_id,
        "refunded": False,
    }
    assert deliver(client, event("charge.refunded", refunded)).status_code == 200
    assert _available(owner) == 7_500_000


def test_a_refused_stripe_refund_writes_nothing(
    owner: Any, admin_client_: Client, stripe_paid: Any, settings: Any
) -> None:
    _stub, purchase = stripe_paid
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: the provider cannot be reached
    reply = admin_client_.post(f"/console/purchases/{purchase.public_id}/refund", {"usd": "1", "reason": "x"})
    assert reply.status_code == 502
    assert _console_rows() == 0
    assert _available(owner) == 10_000_000
