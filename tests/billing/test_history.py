"""wallet_history: keyset pagination on (created_at, id) with no gaps or repeats, even on equal timestamps."""

import time_machine
from django.utils import timezone

from billing.selectors import wallet_history
from tests.billing.support import fund, wallet_of


def test_it_walks_every_entry_once_newest_first(owner):
    wallet = wallet_of(owner)
    with time_machine.travel(timezone.now(), tick=False):  # many entries share one timestamp
        for _ in range(7):
            fund(wallet, 1)
    for _ in range(6):
        fund(wallet, 1)
    seen, cursor = [], None
    while True:
        page = wallet_history(wallet=wallet, cursor=cursor, limit=4)
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    keys = [(item.created_at, item.entry_id) for item in seen]
    assert len(keys) == 13
    assert keys == sorted(keys, reverse=True)
    assert len(set(keys)) == 13


def test_it_shows_only_the_wallets_own_entries(owner, outsider):
    fund(wallet_of(owner), 5)
    assert wallet_history(wallet=wallet_of(outsider)).items == []
