"""credits_clawback: takes back up to the available credits; the rest is booked to chargeback_loss."""

import pytest

from billing.errors import IdempotencyConflict, InvalidLedgerRequest
from billing.models import HouseAccount, LedgerTransaction
from billing.selectors import house_balance, wallet_balance
from billing.services import credits_clawback, credits_purchase, credits_reserve, hold_capture
from tests.billing.support import later, wallet_of


@pytest.fixture
def wallet(owner):
    wallet = wallet_of(owner)
    credits_purchase(
        wallet=wallet, amount_micros=1_000, payment_reference="pi_1", source="stripe", key="cs_1"
    )
    return wallet


def test_it_claws_back_an_unspent_payment_in_full(wallet):
    result = credits_clawback(wallet=wallet, payment_reference="pi_1", amount_micros=1_000, key="re_1")
    assert (result.clawed_micros, result.loss_micros) == (1_000, 0)
    assert wallet_balance(wallet=wallet).balance_micros == 0
    assert house_balance(code=HouseAccount.STRIPE_FUNDING) == 0


def test_it_never_goes_below_zero_and_books_the_rest_as_loss(wallet):
    hold = credits_reserve(wallet=wallet, amount_micros=700, expires_at=later(), key="h1")
    hold_capture(hold=hold, amount_micros=600)
    result = credits_clawback(wallet=wallet, payment_reference="pi_1", amount_micros=1_000, key="re_1")
    assert (result.clawed_micros, result.loss_micros) == (400, 600)
    assert wallet_balance(wallet=wallet).balance_micros == 0
    assert house_balance(code=HouseAccount.CHARGEBACK_LOSS) == -600


def test_it_leaves_open_holds_alone(wallet):
    credits_reserve(wallet=wallet, amount_micros=300, expires_at=later(), key="h1")
    result = credits_clawback(wallet=wallet, payment_reference="pi_1", amount_micros=1_000, key="re_1")
    assert (result.clawed_micros, result.loss_micros) == (700, 300)
    balance = wallet_balance(wallet=wallet)
    assert (balance.balance_micros, balance.held_micros) == (300, 300)


def test_it_applies_a_key_once(wallet):
    first = credits_clawback(wallet=wallet, payment_reference="pi_1", amount_micros=400, key="re_1")
    again = credits_clawback(wallet=wallet, payment_reference="pi_1", amount_micros=400, key="re_1")
    assert (first.transaction.pk, first.clawed_micros, first.loss_micros) == (
        again.transaction.pk,
        again.clawed_micros,
        again.loss_micros,
    )
    assert wallet_balance(wallet=wallet).balance_micros == 600
    with pytest.raises(IdempotencyConflict):
        credits_clawback(wallet=wallet, payment_reference="pi_1", amount_micros=500, key="re_1")


def test_it_needs_a_reference_and_a_positive_amount(wallet):
    with pytest.raises(InvalidLedgerRequest):
        credits_clawback(wallet=wallet, payment_reference="", amount_micros=1, key="re_1")
    with pytest.raises(InvalidLedgerRequest):
        credits_clawback(wallet=wallet, payment_reference="pi_1", amount_micros=0, key="re_1")
    assert not LedgerTransaction.objects.filter(code="clawback").exists()
