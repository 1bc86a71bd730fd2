"""Deleting a user in /admin/ starts the deletion pipeline (scheduled or now) instead of failing on the
ledger's protected rows; the bulk delete action is gone."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import AuditEvent, User
from billing.audit import ledger_drifts
from billing.payments.models import ChargeState, DisputeStatus
from privacy.models import DeletionRequest, DeletionSource, DeletionStatus
from tests.conftest import make_user, staff_login
from tests.privacy.conftest import Account

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db: None) -> tuple[Client, User]:
    root = make_user("root@example.com", is_staff=True, is_superuser=True)
    return staff_login(Client(), root), root


def _delete_url(account: Account) -> str:
    return f"/admin/accounts/user/{account.user.pk}/delete/"


def test_the_delete_page_explains_the_pipeline_and_the_forfeit(
    account: Account, operator: tuple[Client, User]
) -> None:
    client, _ = operator
    body = client.get(_delete_url(account)).content.decode()
    assert "deletion pipeline" in body
    assert "3,903.50 credits ($18.50)" in body
    assert "Cannot delete" not in body
    assert "delete_selected" not in client.get("/admin/accounts/user/").content.decode()


def test_schedule_makes_a_request_with_the_grace_period_and_the_operator_audited(
    account: Account, operator: tuple[Client, User]
) -> None:
    client, root = operator
    response = client.post(_delete_url(account), {"when": "scheduled"})
    assert response.status_code == 302
    request = DeletionRequest.objects.get(user=account.user)
    assert (request.status, request.source) == (DeletionStatus.SCHEDULED, DeletionSource.OPERATOR)
    assert AuditEvent.objects.get(action="deletion.requested").actor == root
    assert User.objects.get(pk=account.user.pk).email == account.email  # nothing erased yet
    # Asking again shows the open request instead of a second one.
    assert "already has a deletion request" in client.get(_delete_url(account)).content.decode()
    client.post(_delete_url(account), {"when": "now"})
    assert DeletionRequest.objects.filter(user=account.user).count() == 1


def test_delete_now_runs_the_whole_pipeline(account: Account, operator: tuple[Client, User]) -> None:
    client, _ = operator
    response = client.post(_delete_url(account), {"when": "now"}, follow=True)
    assert "completed" in response.content.decode()
    request = DeletionRequest.objects.get(user=account.user)
    assert request.status == DeletionStatus.COMPLETED
    user = User.objects.get(pk=account.user.pk)
    assert user.email.endswith("@deleted.invalid")
    assert not user.is_active
    assert ledger_drifts() == []


def test_it_is_refused_with_the_reason_while_a_dispute_is_open(
    account: Account, operator: tuple[Client, User]
) -> None:
    ChargeState.objects.create(
        payment_intent_id=account.purchase.payment_intent_id,
        dispute_id="dp_1",
        dispute_status=DisputeStatus.OPEN,
    )
    client, _ = operator
    response = client.post(_delete_url(account), {"when": "now"}, follow=True)
    assert "payment dispute is open" in response.content.decode()
    assert not DeletionRequest.objects.exists()


def test_staff_without_the_delete_permission_get_403(account: Account) -> None:
    clerk = make_user("clerk@example.com", is_staff=True)
    client = staff_login(Client(), clerk)
    assert client.post(_delete_url(account), {"when": "now"}).status_code == 403
    assert not DeletionRequest.objects.exists()
