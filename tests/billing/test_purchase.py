"""credits_purchase: once per key, with a credit_added event in cents."""

import pytest

from billing.errors import IdempotencyConflict, InvalidLedgerRequest, WalletClosed
from billing.models import CustomerEvent, HouseAccount, LedgerEntry, LedgerTransaction
from billing.selectors import house_balance, wallet_balance
from billing.services import credits_purchase, wallet_close
from tests.billing.support import wallet_of


def _buy(wallet, amount=10_000_000, key="cs_1", ref="cs_1", source="stripe"):
    return credits_purchase(
        wallet=wallet, amount_micros=amount, payment_reference=ref, source=source, key=key
    )


def test_it_credits_the_wallet_and_debits_funding(owner):
    wallet = wallet_of(owner)
    txn = _buy(wallet)
    assert wallet_balance(wallet=wallet).balance_micros == 10_000_000
    assert house_balance(code=HouseAccount.STRIPE_FUNDING) == -10_000_000
    legs = LedgerEntry.objects.filter(transaction=txn)
    assert sum(leg.amount_micros for leg in legs) == 0
    wallet_leg = legs.get(account=wallet)
    assert (
        wallet_leg.balance_before_micros,
        wallet_leg.balance_after_micros,
        wallet_leg.account_version,
    ) == (
        0,
        10_000_000,
        1,
    )


def test_it_applies_a_key_once_and_returns_the_first_result(owner):
    wallet = wallet_of(owner)
    first = _buy(wallet)
    again = _buy(wallet)
    assert first.pk == again.pk
    assert LedgerTransaction.objects.filter(code="purchase").count() == 1
    assert wallet_balance(wallet=wallet).balance_micros == 10_000_000


def test_it_refuses_the_same_key_for_a_different_request(owner):
    wallet = wallet_of(owner)
    _buy(wallet)
    with pytest.raises(IdempotencyConflict) as exc:
        _buy(wallet, amount=20_000_000)
    assert exc.value.to_api_error().status == 409
    assert wallet_balance(wallet=wallet).balance_micros == 10_000_000


def test_it_writes_credit_added_in_cents(owner):
    _buy(wallet_of(owner), amount=12_345_678)
    event = CustomerEvent.objects.get(user=owner, event_type="credit_added")
    assert event.params["amount"] == 1234


def test_it_books_sandbox_payments_to_sandbox_funding(owner):
    _buy(wallet_of(owner), source="sandbox")
    assert house_balance(code=HouseAccount.SANDBOX_FUNDING) == -10_000_000
    assert house_balance(code=HouseAccount.STRIPE_FUNDING) == 0


@pytest.mark.parametrize("amount", [0, -1, 1.5, True])
def test_it_refuses_non_positive_or_non_integer_amounts(owner, amount):
    with pytest.raises(InvalidLedgerRequest):
        _buy(wallet_of(owner), amount=amount)
    assert LedgerTransaction.objects.count() == 0


def test_it_refuses_a_missing_reference_or_unknown_source(owner):
    with pytest.raises(InvalidLedgerRequest):
        _buy(wallet_of(owner), ref="")
    with pytest.raises(InvalidLedgerRequest):
        _buy(wallet_of(owner), source="paypal")


def test_it_refuses_to_credit_a_closed_wallet(owner):
    wallet = wallet_of(owner)
    wallet_close(wallet=wallet, reason="user asked", key="close-1")
    with pytest.raises(WalletClosed):
        _buy(wallet)
    assert LedgerTransaction.objects.filter(code="purchase").count() == 0
