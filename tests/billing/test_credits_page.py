"""The Credits page: the owner's balance, holds and history; nobody else's."""

import pytest

from billing.services import credits_grant, credits_reserve
from tests.billing.support import fund, later, wallet_of


@pytest.fixture
def owner_with_activity(owner, staff):
    wallet = wallet_of(owner)
    fund(wallet, 10_000_000)
    credits_grant(
        wallet=wallet,
        amount_micros=2_000_000,
        actor=staff,
        reason="Sorry about job 42",
        ticket="T-42",
        key="g1",
    )
    credits_reserve(wallet=wallet, amount_micros=1_000_000, expires_at=later(), key="h1", memo="kling video")
    return owner


def test_it_requires_sign_in(client, db):
    response = client.get("/credits")
    assert response.status_code == 302
    assert response["Location"].startswith("/login")


def test_it_shows_balance_available_holds_and_history(client, owner_with_activity):
    client.force_login(owner_with_activity)
    response = client.get("/credits")
    assert response.status_code == 200
    body = response.content.decode()
    assert "2,532 <small>credits" in body  # $12.00 balance in credits
    assert "$12.00" in body
    assert "2,321 <small>credits" in body  # $11.00 available
    assert "kling video" in body
    assert "Sorry about job 42" in body
    assert "Buy credits" in body  # the top-up slot


def test_an_outsider_sees_only_their_own_empty_page(client, owner_with_activity, outsider):
    client.force_login(outsider)
    body = client.get("/credits").content.decode()
    assert "Sorry about job 42" not in body
    assert "kling video" not in body
    assert "No activity yet." in body


def test_it_pages_the_history_with_a_cursor(client, owner):
    wallet = wallet_of(owner)
    for _ in range(25):
        fund(wallet, 1_000_000)
    client.force_login(owner)
    first = client.get("/credits")
    cursor = first.context["next_cursor"]
    assert cursor is not None
    assert "Older →" in first.content.decode()
    assert len(first.context["history"]) == 20
    second = client.get("/credits", {"before": cursor})
    assert len(second.context["history"]) == 5
    assert second.context["next_cursor"] is None
    ids = [line.item.entry_id for line in first.context["history"]] + [
        line.item.entry_id for line in second.context["history"]
    ]
    assert len(set(ids)) == 25


@pytest.mark.parametrize("cursor", ["garbage", "%%%", "x" * 500, "MjAyNi0xMS0yN3w="])
def test_it_treats_a_bad_cursor_as_the_first_page(client, owner, cursor):
    fund(wallet_of(owner), 1_000_000)
    client.force_login(owner)
    response = client.get("/credits", {"before": cursor})
    assert response.status_code == 200
    assert len(response.context["history"]) == 1
