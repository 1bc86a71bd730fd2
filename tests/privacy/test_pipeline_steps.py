"""Each step of the deletion pipeline, on its own, and the whole run with its audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey, AuditEvent, Device, User
from billing.audit import ledger_drifts
from billing.errors import WalletFrozen
from billing.models import AccountStatus, Hold, HoldStatus, HouseAccount, LedgerTransaction, TransactionCode
from billing.payments.gateway import gateway_get
from billing.payments.models import AutoTopUp, StripeCustomer, StripeEvent
from billing.selectors import house_balance, wallet_balance
from billing.services import credits_reserve
from privacy import hooks
from privacy.models import DeletionStatus
from privacy.selectors import uploads_for_user
from privacy.services import pipeline
from privacy.services.pipeline import STEP_NAMES, StepPending
from tests.billing.payments.stripe_stub import StripeStub, start_stub
from tests.privacy.conftest import CHARGED, FUNDED, Account
from tests.privacy.helpers import request_due, run

pytestmark = pytest.mark.django_db


def test_revoke_access_makes_keys_sessions_and_sign_in_fail(account: Account) -> None:
    request = request_due(account.user)
    details = pipeline.revoke_access(request, account.user)
    assert details == {"api_keys_revoked": 2, "devices_signed_out": 1}
    assert not ApiKey.objects.filter(user=account.user, revoked_at__isnull=True).exists()
    assert not Device.objects.filter(user=account.user, revoked_at__isnull=True).exists()
    for key in account.keys:
        assert Client().post("/customers", {}, headers={"X-API-KEY": key}).status_code == 401
    assert account.browser.get("/settings").status_code == 302  # signed out
    again = Client().post("/login", {"email": account.email, "password": "correct horse battery staple"})
    assert again.status_code == 200  # the form again: the account can no longer sign in
    # Again: nothing left to revoke, nothing breaks.
    assert pipeline.revoke_access(request, account.user) == {"api_keys_revoked": 0, "devices_signed_out": 0}


class _Sessions:
    def __init__(self) -> None:
        self.ended: list[int] = []

    def sessions_for_export(self, *, user: User) -> list[dict[str, Any]]:
        return [{"id": "hs_1", "state": "running"}]

    def end_all(self, *, user: User) -> int:
        self.ended.append(user.pk)
        return 1 if len(self.ended) == 1 else 0


def test_end_hosted_sessions_calls_the_registered_provider(account: Account) -> None:
    provider = _Sessions()
    hooks.hosted_sessions_register(provider)
    try:
        request = request_due(account.user)
        assert pipeline.end_hosted_sessions(request, account.user) == {"hosted_sessions_ended": 1}
        assert provider.ended == [account.user.pk]
    finally:
        hooks.hosted_sessions_unregister(provider)
    assert pipeline.end_hosted_sessions(request, account.user) == {"hosted_sessions_ended": 0}


def test_settle_holds_waits_for_calls_in_flight_then_releases_them(account: Account, settings: Any) -> None:
    settings.DELETION_HOLDS_WAIT_SECONDS = 600
    hold = credits_reserve(
        wallet=account.wallet,
        amount_micros=1_000_000,
        expires_at=timezone.now() + timedelta(hours=1),
        key="fly",
    )
    request = request_due(account.user)
    with pytest.raises(StepPending):
        pipeline.settle_holds(request, account.user)
    assert wallet_balance(wallet=account.wallet).status == AccountStatus.FROZEN
    with pytest.raises(WalletFrozen):  # no new call can start
        credits_reserve(
            wallet=account.wallet, amount_micros=1, expires_at=timezone.now() + timedelta(hours=1), key="new"
        )
    request.refresh_from_db()
    assert request.holds_wait_until is not None
    # The wait is over: what is still open is released, in full.
    request.holds_wait_until = timezone.now() - timedelta(seconds=1)
    assert pipeline.settle_holds(request, account.user) == {"holds_released": 1}
    hold.refresh_from_db()
    assert hold.status == HoldStatus.RELEASED
    assert wallet_balance(wallet=account.wallet).held_micros == 0
    assert ledger_drifts() == []


def test_delete_uploads_removes_the_files_and_their_folders(account: Account) -> None:
    request = request_due(account.user)
    folder = default_storage.path(account.upload_path).rsplit("/", 2)[0]
    assert pipeline.delete_uploads(request, account.user) == {"files_deleted": 1}
    assert not default_storage.exists(account.upload_path)
    assert uploads_for_user(user=account.user) == []
    import os

    assert not os.path.exists(folder)  # noqa: PTH110
    assert pipeline.delete_uploads(request, account.user) == {"files_deleted": 0}


@pytest.fixture
def stripe_api(settings: Any) -> Any:
    stub, server = start_stub()
    settings.STRIPE_SECRET_KEY = "sk_test_stub"
    settings.STRIPE_API_BASE = stub.url
    yield stub
    server.shutdown()
    server.server_close()


def test_close_stripe_customer_deletes_it_at_stripe_and_turns_auto_topup_off(
    account: Account, stripe_api: StripeStub
) -> None:
    customer_id = gateway_get().create_customer(user=account.user)
    StripeCustomer.objects.filter(user=account.user).update(stripe_customer_id=customer_id)
    request = request_due(account.user)
    details = pipeline.close_stripe_customer(request, account.user)
    assert details == {"auto_topup_disabled": True, "stripe_customer_deleted": True}
    deletes = [r for r in stripe_api.requests if r.method == "DELETE"]
    assert [r.path for r in deletes] == [f"/v1/customers/{customer_id}"]
    assert not StripeCustomer.objects.filter(user=account.user).exists()
    assert AutoTopUp.objects.get(user=account.user).enabled is False
    # Again: nothing to delete, Stripe not called.
    pipeline.close_stripe_customer(request, account.user)
    assert len([r for r in stripe_api.requests if r.method == "DELETE"]) == 1


def test_close_stripe_customer_counts_a_customer_stripe_no_longer_has_as_deleted(
    account: Account, stripe_api: StripeStub
) -> None:
    request = request_due(account.user)  # cus_test_owner was never created at the stub: Stripe answers 404
    assert pipeline.close_stripe_customer(request, account.user)["stripe_customer_deleted"] is True
    assert not StripeCustomer.objects.filter(user=account.user).exists()


def test_forfeit_moves_the_balance_to_the_house_once(account: Account) -> None:
    request = request_due(account.user)
    left = FUNDED - CHARGED
    assert pipeline.forfeit(request, account.user) == {"forfeited_micros": left, "wallet_status": "closed"}
    assert pipeline.forfeit(request, account.user) == {"forfeited_micros": left, "wallet_status": "closed"}
    assert LedgerTransaction.objects.filter(code=TransactionCode.FORFEIT).count() == 1
    assert house_balance(code=HouseAccount.FORFEITED) == left
    assert wallet_balance(wallet=account.wallet).balance_micros == 0
    request.refresh_from_db()
    assert request.forfeited_micros == left
    assert ledger_drifts() == []


def test_pseudonymise_replaces_every_copy_of_the_address(account: Account) -> None:
    request = request_due(account.user)
    pipeline.pseudonymise(request, account.user)
    user = User.objects.get(pk=account.user.pk)
    assert user.email == f"deleted-{user.public_id.hex}@deleted.invalid"
    assert user.name == ""
    assert not user.is_active
    assert list(Device.objects.filter(user=user).values_list("ip_address", "user_agent")) == [(None, "")]
    assert not AuditEvent.objects.filter(subject=user, ip_address__isnull=False).exists()
    assert "owner@example.com" not in AuditEvent.objects.get(action="grant.approve").reason
    payload = StripeEvent.objects.get().payload["data"]["object"]
    assert payload["customer_details"] is None
    assert payload["customer_email"] is None
    assert LogEntry.objects.get().object_repr == user.email
    assert not AccessAttempt.objects.exists()
    # The accounting records stay, pointing at the pseudonymised user.
    assert user.usage_records.count() == 1
    assert user.purchases.count() == 1


def test_the_whole_run_audits_every_step_in_order(account: Account) -> None:
    request = run(request_due(account.user))
    assert request.status == DeletionStatus.COMPLETED
    assert request.step == "pseudonymise"
    actions = list(
        AuditEvent.objects.filter(subject=account.user, action__startswith="deletion.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "deletion.requested",
        *[f"deletion.step.{name}" for name in STEP_NAMES],
        "deletion.completed",
    ]
    forfeit = AuditEvent.objects.get(action="deletion.step.forfeit_balance")
    assert forfeit.new == {"forfeited_micros": FUNDED - CHARGED, "wallet_status": "closed"}
    assert Hold.objects.filter(wallet=account.wallet, status=HoldStatus.OPEN).count() == 0
    assert ledger_drifts() == []
    # A completed request is left alone by later runs.
    assert run(request).status == DeletionStatus.COMPLETED


def test_the_last_step_mails_the_old_address_once_with_what_was_forfeited(
    account: Account, django_capture_on_commit_callbacks: Any
) -> None:
    address = account.user.email
    request = request_due(account.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run(request)
    assert [message.to for message in mail.outbox] == [[address]]
    farewell = mail.outbox[0]
    assert farewell.subject.endswith("account has been deleted")
    assert "3,903.50 credits ($18.50) was forfeited" in str(farewell.body), farewell.body
    # A repeated last step (a crash before its marker committed) finds the alias and mails no one.
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.pseudonymise(request, User.objects.get(pk=account.user.pk))
    assert len(mail.outbox) == 1
