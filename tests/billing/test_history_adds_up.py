"""The Credits page's history adds up to its balance, in the figures the page shows (issue 14, item 13):
a 59.08-credit call shows as 59.08, not 59, and every line's "balance after" follows from the one below."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from billing.services import credits_reserve, hold_capture
from tests.billing.support import fund, later, wallet_of

pytestmark = pytest.mark.django_db

# What real calls cost, in micro-USD: a 28-cent Recraft image (59.08 credits), a 4-cent one (8.44),
# a 1.9-cent Luma image (4.009 credits: rounded down to 4 on screen), a $1.40 video (295.40) and a
# 1-cent upscale (2.11).
CHARGES = (280_000, 40_000, 19_000, 1_400_000, 280_000, 10_000)


def _number(text: str) -> Decimal:
    return Decimal(re.sub(r"[^0-9.\-]", "", text))


def _cells(html: str, testid: str) -> list[Decimal]:
    return [_number(m) for m in re.findall(rf'data-testid="{testid}">([^<]*)<', html)]


def _spend(user: Any, charges: tuple[int, ...]) -> None:
    wallet = wallet_of(user)
    for index, micros in enumerate(charges):
        hold = credits_reserve(
            wallet=wallet, amount_micros=micros + 10_000, expires_at=later(), key=f"c{index}"
        )
        hold_capture(hold=hold, amount_micros=micros)


def test_the_history_adds_up_to_the_balance_in_the_figures_shown(client: Client, owner: Any) -> None:
    fund(wallet_of(owner), 10_000_000)  # $10 = 2,110 credits
    _spend(owner, tuple(c for c in CHARGES if c % 10_000 == 0))
    client.force_login(owner)
    html = client.get("/credits").content.decode()

    amounts = _cells(html, "history-credits")
    balances = _cells(html, "history-balance")
    shown_balance = _number(re.search(r'data-testid="balance-credits">([^<]*)<', html).group(1))

    assert amounts[-1] == Decimal("2110")  # the purchase, oldest line last
    assert Decimal("-59.08") in amounts  # not -59 or -59.1
    # 2,110 - 59.08 - 8.44 - 295.40 - 59.08 - 2.11
    assert sum(amounts) == shown_balance == Decimal("1685.89")
    assert balances[0] == shown_balance
    # Each line's balance is the one below it plus its own amount, exactly.
    for index in range(len(amounts) - 1):
        assert balances[index] == balances[index + 1] + amounts[index]


def test_a_sub_cent_charge_never_shows_more_than_was_charged(client: Client, owner: Any) -> None:
    fund(wallet_of(owner), 10_000_000)
    _spend(owner, (19_000,))  # 4.009 credits
    client.force_login(owner)
    html = client.get("/credits").content.decode()
    assert _cells(html, "history-credits")[0] == Decimal("-4")
    assert "2,105.99 <small>credits" in html  # 2,105.991 rounded down, like every balance
