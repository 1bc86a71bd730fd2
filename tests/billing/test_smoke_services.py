from datetime import timedelta

import pytest
from django.utils import timezone

from billing import services
from billing.errors import HoldAlreadyResolved, IdempotencyConflict, InsufficientCredits
from billing.models import HouseAccount
from billing.selectors import house_balance, wallet_balance, wallet_get_for_user, wallet_history


@pytest.mark.django_db(transaction=True)
def test_it_runs_the_basic_flow(owner):
    wallet = wallet_get_for_user(user=owner)
    services.credits_purchase(
        wallet=wallet, amount_micros=5_000_000, payment_reference="cs_1", source="stripe", key="cs_1"
    )
    again = services.credits_purchase(
        wallet=wallet, amount_micros=5_000_000, payment_reference="cs_1", source="stripe", key="cs_1"
    )
    with pytest.raises(IdempotencyConflict):
        services.credits_purchase(
            wallet=wallet, amount_micros=6_000_000, payment_reference="cs_1", source="stripe", key="cs_1"
        )
    hold = services.credits_reserve(
        wallet=wallet, amount_micros=1_000_000, expires_at=timezone.now() + timedelta(minutes=5), key="h1"
    )
    assert wallet_balance(wallet=wallet).available_micros == 4_000_000
    with pytest.raises(InsufficientCredits):
        services.credits_reserve(
            wallet=wallet, amount_micros=4_000_001, expires_at=timezone.now() + timedelta(minutes=5), key="h2"
        )
    services.hold_capture(hold=hold, amount_micros=400_000)
    with pytest.raises(HoldAlreadyResolved):
        services.hold_release(hold=hold)
    bal = wallet_balance(wallet=wallet)
    assert (bal.balance_micros, bal.held_micros) == (4_600_000, 0)
    assert house_balance(code=HouseAccount.USAGE_REVENUE) == 400_000
    res = services.credits_clawback(
        wallet=wallet, payment_reference="cs_1", amount_micros=5_000_000, key="re_1"
    )
    assert (res.clawed_micros, res.loss_micros) == (4_600_000, 400_000)
    assert again.pk
    assert len(wallet_history(wallet=wallet).items) == 3
