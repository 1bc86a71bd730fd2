"""L-07 and L1 on PostgreSQL: entries and transactions cannot be changed or deleted, accounts cannot be
deleted, and a transaction whose legs do not sum to zero cannot commit."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from billing.models import HouseAccount, LedgerAccount, LedgerEntry, LedgerTransaction
from tests.billing.support import figure, fund, wallet_of

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]

E, T, A = LedgerEntry._meta.db_table, LedgerTransaction._meta.db_table, LedgerAccount._meta.db_table


def _rejected(sql, params):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


def test_it_rejects_every_update_and_delete_of_the_ledger(owner, record_property):
    wallet = wallet_of(owner)
    fund(wallet, 1_000)
    entry = LedgerEntry.objects.filter(account=wallet).get()
    attempts = [
        (f"UPDATE {E} SET amount_micros = 1 WHERE id = %s", [entry.pk]),  # noqa: S608
        (f"DELETE FROM {E} WHERE id = %s", [entry.pk]),  # noqa: S608
        (f"UPDATE {T} SET memo = 'x' WHERE id = %s", [entry.transaction_id]),  # noqa: S608
        (f"DELETE FROM {T} WHERE id = %s", [entry.transaction_id]),  # noqa: S608
        (f"DELETE FROM {A} WHERE id = %s", [wallet.pk]),  # noqa: S608
        (f"DELETE FROM {A} WHERE code = %s", [HouseAccount.STRIPE_FUNDING.value]),  # noqa: S608
    ]
    rejected = sum(_rejected(sql, params) for sql, params in attempts)
    figure(record_property, "L-07", attempts=len(attempts), rejected=rejected)
    assert rejected == len(attempts)
    assert LedgerEntry.objects.filter(pk=entry.pk, amount_micros=1_000).exists()


def test_it_refuses_to_commit_an_unbalanced_transaction(owner):
    wallet = wallet_of(owner)

    def forge():
        with transaction.atomic():  # the deferred trigger fires at this commit
            txn = LedgerTransaction.objects.create(
                code="purchase", key="forged", request_hash="", wallet=wallet, payment_reference="forged"
            )
            LedgerEntry.objects.create(transaction=txn, account=wallet, amount_micros=1_000_000)

    with pytest.raises(IntegrityError, match="does not sum to zero"):
        forge()
    assert not LedgerTransaction.objects.filter(key="forged").exists()
