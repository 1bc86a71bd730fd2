"""Every user gets a wallet (and an account_created event); house accounts always exist."""

from billing.models import AccountKind, CustomerEvent, HouseAccount, LedgerAccount
from billing.selectors import wallet_balance, wallet_get_for_user
from billing.services import customer_event_record, wallet_create_for_user
from tests.conftest import make_user


def test_it_creates_a_wallet_and_an_event_with_the_user(db):
    user = make_user("new@example.com")
    wallet = LedgerAccount.objects.get(user=user)
    assert wallet.kind == AccountKind.USER
    assert (wallet.balance_micros, wallet.held_micros, wallet.status) == (0, 0, "active")
    assert list(CustomerEvent.objects.filter(user=user).values_list("event_type", flat=True)) == [
        "account_created"
    ]


def test_it_creates_the_wallet_once(owner):
    first = wallet_get_for_user(user=owner)
    assert wallet_create_for_user(user=owner).pk == first.pk
    assert LedgerAccount.objects.filter(user=owner).count() == 1
    assert CustomerEvent.objects.filter(user=owner, event_type="account_created").count() == 1


def test_it_has_every_house_account(db):
    codes = set(LedgerAccount.objects.filter(kind=AccountKind.HOUSE).values_list("code", flat=True))
    assert codes == {c.value for c in HouseAccount}


def test_it_reports_a_zero_balance_for_a_new_wallet(owner):
    balance = wallet_balance(wallet=wallet_get_for_user(user=owner))
    assert (balance.balance_micros, balance.held_micros, balance.available_micros) == (0, 0, 0)


def test_it_records_a_keyed_event_once(owner):
    first = customer_event_record(user=owner, event_type="api_usage_completed", params={"a": 1}, key="k1")
    again = customer_event_record(user=owner, event_type="api_usage_completed", params={"a": 1}, key="k1")
    assert first.pk == again.pk
    customer_event_record(user=owner, event_type="api_usage_completed", params={})
    assert CustomerEvent.objects.filter(user=owner, event_type="api_usage_completed").count() == 2
