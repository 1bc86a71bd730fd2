"""The demo seed grants $20 once."""

from billing.models import Grant
from billing.selectors import wallet_balance
from comfyweb.seeding import seed_demo_extras
from tests.billing.support import wallet_of


def test_it_grants_the_demo_credits_once(owner):
    seed_demo_extras(owner)
    seed_demo_extras(owner)
    assert wallet_balance(wallet=wallet_of(owner)).balance_micros == 20_000_000
    grant = Grant.objects.get(key="demo-seed-grant")
    assert grant.reason == "Demo credits"
