"""credits_grant: actor, reason and ticket; a second staff approver above the threshold (L8)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from billing.errors import GrantNotPermitted, IdempotencyConflict, InvalidLedgerRequest
from billing.models import CustomerEvent, Grant, GrantStatus, HouseAccount
from billing.selectors import house_balance, wallet_balance
from billing.services import credits_grant, credits_grant_approve
from tests.billing.support import wallet_of
from tests.conftest import make_user

SMALL = 5_000_000
BIG = 150_000_000


def _grant(wallet, actor, amount=SMALL, key="g1", **extra):
    return credits_grant(
        wallet=wallet, amount_micros=amount, actor=actor, reason="Failed job", ticket="T-1", key=key, **extra
    )


def test_it_grants_below_the_threshold_at_once(owner, staff):
    wallet = wallet_of(owner)
    grant = _grant(wallet, staff)
    assert grant.status == GrantStatus.COMPLETED
    assert wallet_balance(wallet=wallet).balance_micros == SMALL
    assert house_balance(code=HouseAccount.SUPPORT_GRANTS) == -SMALL
    assert CustomerEvent.objects.filter(user=owner, event_type="credit_added").count() == 1


def test_it_is_idempotent_on_the_key(owner, staff):
    wallet = wallet_of(owner)
    assert _grant(wallet, staff).pk == _grant(wallet, staff).pk
    assert wallet_balance(wallet=wallet).balance_micros == SMALL
    with pytest.raises(IdempotencyConflict):
        _grant(wallet, staff, amount=SMALL + 1)


def test_it_requires_a_reason_and_a_ticket(owner, staff):
    for reason, ticket in [("", "T-1"), ("Why", ""), ("  ", "T-1")]:
        with pytest.raises(InvalidLedgerRequest):
            credits_grant(
                wallet=wallet_of(owner),
                amount_micros=SMALL,
                actor=staff,
                reason=reason,
                ticket=ticket,
                key="g",
            )
    assert Grant.objects.count() == 0


def test_it_refuses_a_non_staff_actor(owner, outsider):
    with pytest.raises(GrantNotPermitted):
        _grant(wallet_of(owner), outsider)
    assert wallet_balance(wallet=wallet_of(owner)).balance_micros == 0


def test_it_holds_a_large_grant_for_a_second_staff_member(owner, staff):
    wallet = wallet_of(owner)
    grant = _grant(wallet, staff, amount=BIG)
    assert grant.status == GrantStatus.PENDING
    assert wallet_balance(wallet=wallet).balance_micros == 0
    with pytest.raises(GrantNotPermitted):
        credits_grant_approve(grant=grant, approver=staff)
    second = make_user("second@example.com", is_staff=True)
    approved = credits_grant_approve(grant=grant, approver=second)
    assert (approved.status, approved.approver_id) == (GrantStatus.COMPLETED, second.pk)
    assert wallet_balance(wallet=wallet).balance_micros == BIG
    # Approving twice changes nothing.
    credits_grant_approve(grant=grant, approver=second)
    assert wallet_balance(wallet=wallet).balance_micros == BIG


def test_it_refuses_a_non_staff_approver(owner, staff, teammate):
    grant = _grant(wallet_of(owner), staff, amount=BIG)
    with pytest.raises(GrantNotPermitted):
        credits_grant_approve(grant=grant, approver=teammate)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.PENDING


def test_it_completes_a_large_grant_given_an_approver_up_front(owner, staff):
    second = make_user("second@example.com", is_staff=True)
    grant = _grant(wallet_of(owner), staff, amount=BIG, approver=second)
    assert grant.status == GrantStatus.COMPLETED


def test_the_command_grants_as_the_system(owner, capsys):
    call_command("grant_credits", owner.email, "--usd", "12.50", "--reason", "Goodwill", "--ticket", "T-9")
    assert wallet_balance(wallet=wallet_of(owner)).balance_micros == 12_500_000
    grant = Grant.objects.get()
    assert (grant.actor_id, grant.reason, grant.ticket) == (None, "Goodwill", "T-9")
    assert "Granted $12.50" in capsys.readouterr().out


def test_the_command_refuses_bad_input(owner):
    with pytest.raises(CommandError):
        call_command("grant_credits", "nobody@example.com", "--usd", "1", "--reason", "x")
    with pytest.raises(CommandError):
        call_command("grant_credits", owner.email, "--usd", "-5", "--reason", "x")
    with pytest.raises(CommandError):
        call_command("grant_credits", owner.email, "--usd", "1.5e", "--reason", "x")
    assert Grant.objects.count() == 0
