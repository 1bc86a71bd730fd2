"""The admin: read-only ledger views; grants go through the service as the signed-in staff member."""

import re

import pytest

from billing.models import Grant, GrantStatus
from billing.selectors import wallet_balance
from billing.services import credits_grant
from tests.billing.support import wallet_of
from tests.conftest import make_user, staff_login


@pytest.fixture
def admin_user(db):
    return make_user("admin@example.com", is_staff=True, is_superuser=True)


def test_it_grants_through_the_service_as_the_staff_member(client, admin_user, owner):
    staff_login(client, admin_user)
    response = client.post(
        "/admin/billing/grant/new/",
        {"email": owner.email, "usd": "7.50", "reason": "Outage", "ticket": "T-7"},
    )
    assert response.status_code == 302
    grant = Grant.objects.get()
    assert (grant.actor_id, grant.amount_micros, grant.ticket, grant.status) == (
        admin_user.pk,
        7_500_000,
        "T-7",
        GrantStatus.COMPLETED,
    )
    assert wallet_balance(wallet=wallet_of(owner)).balance_micros == 7_500_000


def test_it_requires_reason_and_ticket(client, admin_user, owner):
    staff_login(client, admin_user)
    response = client.post(
        "/admin/billing/grant/new/", {"email": owner.email, "usd": "7.50", "reason": "", "ticket": ""}
    )
    assert response.status_code == 200
    assert not Grant.objects.exists()


def test_a_second_staff_member_approves_a_large_grant(client, admin_user, staff, owner):
    grant = credits_grant(
        wallet=wallet_of(owner),
        amount_micros=500_000_000,
        actor=staff,
        reason="Big outage",
        ticket="T-8",
        key="g",
    )
    staff_login(client, admin_user)
    client.post("/admin/billing/grant/", {"action": "approve_grants", "_selected_action": [grant.pk]})
    grant.refresh_from_db()
    assert (grant.status, grant.approver_id) == (GrantStatus.COMPLETED, admin_user.pk)


def test_the_ledger_is_read_only_in_the_admin(client, admin_user, owner):
    staff_login(client, admin_user)
    wallet = wallet_of(owner)
    assert client.get("/admin/billing/ledgeraccount/").status_code == 200
    assert client.get("/admin/billing/ledgerentry/").status_code == 200
    assert client.get("/admin/billing/ledgertransaction/").status_code == 200
    assert client.get("/admin/billing/hold/").status_code == 200
    assert client.get("/admin/billing/ledgeraccount/add/").status_code == 403
    assert (
        client.post(f"/admin/billing/ledgeraccount/{wallet.pk}/delete/", {"post": "yes"}).status_code == 403
    )


def test_a_non_staff_user_cannot_grant(client, owner):
    client.force_login(owner)
    response = client.post(
        "/admin/billing/grant/new/", {"email": owner.email, "usd": "7.50", "reason": "r", "ticket": "t"}
    )
    assert response.status_code == 302  # to the admin login
    assert not Grant.objects.exists()


def test_submitting_the_same_grant_form_twice_grants_once(client, admin_user, owner):
    staff_login(client, admin_user)
    page = client.get("/admin/billing/grant/new/").content.decode()
    key = re.search(r'name="key" value="([0-9a-f-]{36})"', page).group(1)
    form = {"email": owner.email, "usd": "7.50", "reason": "Outage", "ticket": "T-7", "key": key}
    for _ in range(2):  # a double click, or the browser resending the POST
        assert client.post("/admin/billing/grant/new/", form).status_code == 302
    assert Grant.objects.count() == 1
    assert wallet_balance(wallet=wallet_of(owner)).balance_micros == 7_500_000
