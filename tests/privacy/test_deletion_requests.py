"""Asking for deletion: the page, the grace period, the cancel link, disputes, legal holds, the command."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.services.users import user_signup
from billing.models import HoldStatus
from billing.payments.models import ChargeState, DisputeStatus
from billing.selectors import wallet_balance, wallet_get_for_user
from billing.services import credits_reserve
from privacy.models import DeletionRequest, DeletionStatus
from privacy.selectors import deletion_state_for_user
from privacy.services.deletion import (
    DeletionError,
    deletion_cancel,
    deletion_hold,
    deletion_release_hold,
    deletion_request_create,
)
from privacy.services.pipeline import deletions_run_due
from tests.privacy.conftest import CHARGED, FUNDED, PASSWORD, Account
from tests.privacy.helpers import request_due, run

pytestmark = pytest.mark.django_db


def _ask(account: Account, django_capture_on_commit_callbacks: Any, **form: Any) -> Any:
    with django_capture_on_commit_callbacks(execute=True):
        return account.browser.post(
            "/settings/privacy/delete", {"password": PASSWORD, "confirm": "on", **form}
        )


def _cancel_link() -> str:
    found = re.search(r"https?://\S+/privacy/cancel-deletion/\S+", str(mail.outbox[-1].body))
    assert found, mail.outbox[-1].body
    return urlsplit(found.group(0)).path


def test_the_page_says_what_will_happen_with_the_amount(account: Account, settings: Any) -> None:
    body = account.browser.get("/settings/privacy/delete").content.decode()
    assert "3,903.50 credits ($18.50)" in body  # $20 bought, $1.50 spent: forfeited
    assert "your 2 active keys stop working" in body
    assert "your 1 uploaded file," in body
    assert "for 10 years for accounting" in body
    assert "after 72 hours" in body


def test_it_needs_the_password_and_the_confirmation(
    account: Account, django_capture_on_commit_callbacks: Any
) -> None:
    assert _ask(account, django_capture_on_commit_callbacks, password="not it").status_code == 400
    assert _ask(account, django_capture_on_commit_callbacks, confirm="").status_code == 400
    assert not DeletionRequest.objects.exists()
    assert mail.outbox == []


def test_it_schedules_after_the_grace_period_and_mails_a_cancel_link(
    account: Account, django_capture_on_commit_callbacks: Any
) -> None:
    before = timezone.now()
    assert _ask(account, django_capture_on_commit_callbacks).status_code == 302
    request = DeletionRequest.objects.get()
    assert request.status == DeletionStatus.SCHEDULED
    assert timedelta(hours=72) <= request.due_at - before < timedelta(hours=72, seconds=5)
    assert mail.outbox[-1].to == [account.email]
    assert "3,903.50 credits ($18.50)" in str(mail.outbox[-1].body)
    assert AuditEvent.objects.filter(
        action="deletion.requested", subject=account.user, actor=account.user
    ).exists()
    # Not yet due: the periodic task leaves it alone; the account still works.
    assert deletions_run_due() == 0
    assert account.browser.get("/settings/privacy").status_code == 200
    assert "Cancel the deletion" in account.browser.get("/settings/privacy").content.decode()
    # Once due, it runs.
    assert deletions_run_due(now=request.due_at + timedelta(seconds=1)) == 1
    assert DeletionRequest.objects.get().status == DeletionStatus.COMPLETED


def test_the_signed_link_cancels_without_signing_in(
    account: Account, django_capture_on_commit_callbacks: Any
) -> None:
    _ask(account, django_capture_on_commit_callbacks)
    link = _cancel_link()
    anonymous = Client()
    assert "Cancel the deletion" in anonymous.get(link).content.decode()
    assert DeletionRequest.objects.get().status == DeletionStatus.SCHEDULED  # GET changes nothing
    assert "The deletion is cancelled" in anonymous.post(link).content.decode()
    request = DeletionRequest.objects.get()
    assert request.status == DeletionStatus.CANCELLED
    assert deletions_run_due(now=request.due_at + timedelta(hours=1)) == 0
    assert User.objects.get(pk=account.user.pk).email == account.email
    assert AuditEvent.objects.get(action="deletion.cancelled").new == {"via": "e-mail link"}
    # Cancelled, the user may ask again.
    assert _ask(account, django_capture_on_commit_callbacks).status_code == 302
    assert DeletionRequest.objects.filter(status=DeletionStatus.SCHEDULED).count() == 1


def test_a_tampered_link_is_a_404(account: Account, django_capture_on_commit_callbacks: Any) -> None:
    _ask(account, django_capture_on_commit_callbacks)
    link = _cancel_link()
    assert Client().post(link[:-3] + "abc").status_code == 404
    assert DeletionRequest.objects.get().status == DeletionStatus.SCHEDULED


def test_the_settings_page_cancels_too(account: Account, django_capture_on_commit_callbacks: Any) -> None:
    _ask(account, django_capture_on_commit_callbacks)
    assert account.browser.post("/settings/privacy/delete/cancel").status_code == 302
    assert DeletionRequest.objects.get().status == DeletionStatus.CANCELLED


def test_a_started_deletion_cannot_be_cancelled(account: Account, settings: Any) -> None:
    settings.DELETION_HOLDS_WAIT_SECONDS = 600
    credits_reserve(
        wallet=account.wallet, amount_micros=1, expires_at=timezone.now() + timedelta(hours=1), key="x"
    )
    request = run(request_due(account.user))  # waits at settle_holds
    assert (request.status, request.step) == (DeletionStatus.RUNNING, "end_hosted_sessions")
    with pytest.raises(DeletionError, match="already started"):
        deletion_cancel(request=request, actor=None, via="test")


def _open_dispute(account: Account) -> None:
    ChargeState.objects.create(
        payment_intent_id=account.purchase.payment_intent_id,
        dispute_id="dp_1",
        dispute_status=DisputeStatus.OPEN,
    )


def test_it_is_refused_while_a_payment_dispute_is_open(
    account: Account, django_capture_on_commit_callbacks: Any
) -> None:
    _open_dispute(account)
    body = account.browser.get("/settings/privacy/delete").content.decode()
    assert "can't be deleted while a payment dispute is open" in body
    assert '<form method="post" action="/settings/privacy/delete"' not in body
    _ask(account, django_capture_on_commit_callbacks)
    with pytest.raises(DeletionError, match="payment dispute is open"):
        deletion_request_create(user=account.user)
    with pytest.raises(CommandError, match="payment dispute is open"):
        call_command("request_deletion", account.email, "--now")
    assert not DeletionRequest.objects.exists()


def test_a_dispute_opened_during_the_grace_period_stops_it_from_starting(account: Account) -> None:
    request = request_due(account.user)
    _open_dispute(account)
    request = run(request)
    assert (request.status, request.step) == (DeletionStatus.SCHEDULED, "")
    assert "payment dispute" in request.last_error
    ChargeState.objects.update(dispute_status=DisputeStatus.WON)
    assert run(request).status == DeletionStatus.COMPLETED


def test_staff_put_a_legal_hold_with_a_reason_and_release_it(
    account: Account, staff: User, owner: User
) -> None:
    request = request_due(account.user)
    with pytest.raises(DeletionError, match="needs a reason"):
        deletion_hold(request, "  ", staff)
    with pytest.raises(DeletionError, match="Only active staff"):
        deletion_hold(request, "litigation", owner)
    held = deletion_hold(request, "Court order 2026-17", staff)
    assert held.status == DeletionStatus.ON_HOLD
    state = deletion_state_for_user(account.user)
    assert (state.on_hold, state.hold_reason, state.held_by_id) == (True, "Court order 2026-17", staff.pk)
    assert run(request).status == DeletionStatus.ON_HOLD  # the pipeline doesn't touch it
    assert deletions_run_due() == 0
    assert User.objects.get(pk=owner.pk).is_active
    with pytest.raises(DeletionError, match="already on hold"):
        deletion_hold(request, "again", staff)
    released = deletion_release_hold(request, staff)
    assert released.status == DeletionStatus.SCHEDULED
    with pytest.raises(DeletionError, match="not on hold"):
        deletion_release_hold(request, staff)
    audit = AuditEvent.objects.filter(action__in=["deletion.hold", "deletion.hold_released"]).order_by("id")
    assert [(a.action, a.actor_id) for a in audit] == [
        ("deletion.hold", staff.pk),
        ("deletion.hold_released", staff.pk),
    ]
    assert audit[0].reason == "Court order 2026-17"
    assert run(request).status == DeletionStatus.COMPLETED


def test_a_hold_on_a_running_deletion_stops_it_before_the_next_step(
    account: Account, staff: User, settings: Any
) -> None:
    settings.DELETION_HOLDS_WAIT_SECONDS = 600
    hold = credits_reserve(
        wallet=account.wallet, amount_micros=1, expires_at=timezone.now() + timedelta(hours=1), key="x"
    )
    request = run(request_due(account.user))
    assert request.step == "end_hosted_sessions"
    deletion_hold(request, "regulator asked", staff)
    DeletionRequest.objects.filter(pk=request.pk).update(
        holds_wait_until=timezone.now() - timedelta(seconds=1)
    )
    assert run(request).step == "end_hosted_sessions"
    assert wallet_get_for_user(user=account.user).holds.get(pk=hold.pk).status == HoldStatus.OPEN
    request = deletion_release_hold(request, staff)
    assert request.status == DeletionStatus.RUNNING
    assert run(request).status == DeletionStatus.COMPLETED


def test_the_state_selector_for_the_console(account: Account) -> None:
    assert deletion_state_for_user(account.user).status == "none"
    request = request_due(account.user)
    state = deletion_state_for_user(account.user)
    assert (state.status, state.steps_done, state.steps_total, state.request) == ("scheduled", 0, 7, request)
    run(request)
    state = deletion_state_for_user(account.user)
    assert (state.status, state.steps_done, state.is_open) == ("completed", 7, False)


def test_asking_twice_returns_the_open_request(account: Account) -> None:
    first = deletion_request_create(user=account.user)
    assert deletion_request_create(user=account.user) == first
    assert DeletionRequest.objects.count() == 1


def test_the_command_schedules_or_runs_at_once(account: Account, teammate: User) -> None:
    out = StringIO()
    call_command("request_deletion", "TEAMMATE@example.com", stdout=out)
    assert "scheduled for" in out.getvalue()
    assert DeletionRequest.objects.get(user=teammate).status == DeletionStatus.SCHEDULED
    call_command("request_deletion", account.email, "--now", stdout=out)
    assert "completed" in out.getvalue()
    assert DeletionRequest.objects.get(user=account.user).source == "operator"
    with pytest.raises(CommandError, match="No account"):
        call_command("request_deletion", "nobody@example.com")


def test_the_address_signs_up_again_as_a_new_empty_account(account: Account) -> None:
    old_keys = account.keys
    run(request_due(account.user))
    fresh = user_signup(email="Owner@Example.com", password="another long passphrase")
    assert fresh.pk != account.user.pk
    assert wallet_balance(wallet=wallet_get_for_user(user=fresh)).balance_micros == 0
    assert not fresh.api_keys.exists()
    assert not fresh.usage_records.exists()
    for key in old_keys:
        assert Client().post("/customers", {}, headers={"X-API-KEY": key}).status_code == 401
    # The old, pseudonymised user keeps its accounting history.
    old = User.objects.get(pk=account.user.pk)
    assert old.usage_records.get().charged_micros == CHARGED
    assert old.purchases.get().amount_micros == FUNDED
