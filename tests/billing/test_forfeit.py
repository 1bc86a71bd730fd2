"""forfeit_balance: erasure closes the wallet and books what is left to the `forfeited` house account."""

from __future__ import annotations

from typing import Any

import pytest

from billing.audit import ledger_drifts
from billing.errors import WalletClosed
from billing.models import AccountStatus, HoldStatus, HouseAccount, LedgerTransaction, TransactionCode
from billing.selectors import house_balance, wallet_balance
from billing.services import credits_reserve, forfeit_balance, wallet_freeze
from tests.billing.support import fund, later, wallet_of

pytestmark = pytest.mark.django_db


def test_it_forfeits_the_available_balance_once_and_reports_it_on_replay(owner: Any) -> None:
    wallet = wallet_of(owner)
    fund(wallet, 5_000)
    hold = credits_reserve(wallet=wallet, amount_micros=1_000, expires_at=later(), key="h")
    first = forfeit_balance(wallet=wallet, reason="account deleted", key="d-1")
    assert (first.forfeited_micros, first.wallet.status) == (5_000, AccountStatus.CLOSED)  # the hold released
    hold.refresh_from_db()
    assert hold.status == HoldStatus.RELEASED
    again = forfeit_balance(wallet=wallet, reason="account deleted", key="d-1")
    assert again.forfeited_micros == 5_000
    assert again.transaction == first.transaction
    assert LedgerTransaction.objects.filter(code=TransactionCode.FORFEIT).count() == 1
    assert house_balance(code=HouseAccount.FORFEITED) == 5_000
    assert wallet_balance(wallet=wallet).balance_micros == 0
    with pytest.raises(WalletClosed):
        credits_reserve(wallet=wallet, amount_micros=1, expires_at=later(), key="after")
    assert ledger_drifts() == []


def test_an_empty_frozen_wallet_closes_with_nothing_booked(owner: Any) -> None:
    wallet = wallet_of(owner)
    wallet_freeze(wallet=wallet, reason="deletion", key="f")
    result = forfeit_balance(wallet=wallet, reason="account deleted", key="d-2")
    assert (result.forfeited_micros, result.transaction, result.wallet.status) == (
        0,
        None,
        AccountStatus.CLOSED,
    )
    assert not LedgerTransaction.objects.filter(code=TransactionCode.FORFEIT).exists()
