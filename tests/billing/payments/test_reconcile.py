"""P2 reconciliation: payments vs ledger report a diff of 0, and any other diff is reported."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from billing.payments.models import ChargeState, Purchase
from billing.payments.reconcile import payments_reconcile
from billing.payments.tasks import reconcile
from tests.billing.payments.conftest import (
    deliver,
    dispute_obj,
    event,
    make_purchase,
    refund_obj,
    session_obj,
)
from tests.billing.support import figure, fund, wallet_of


def _since() -> Any:
    return timezone.now() - timedelta(days=1)


def test_it_reports_zero_diff_after_purchases_refunds_and_disputes(
    client: Any, owner: Any, teammate: Any, record_property: Any
) -> None:
    first, second = make_purchase(owner, 30_000_000), make_purchase(teammate, 10_000_000)
    for purchase in (first, second):
        deliver(client, event("checkout.session.completed", session_obj(purchase)))
    deliver(client, event("charge.refunded", refund_obj(first, amount_refunded_cents=1000)))
    deliver(client, event("charge.dispute.closed", dispute_obj(second, status="lost")))
    report = payments_reconcile(since=_since())
    assert (report.purchases_checked, report.diff) == (2, 0), report.problems
    assert reconcile() == 0
    out = StringIO()
    call_command("payments_reconcile", stdout=out)
    assert "diff: 0" in out.getvalue()
    figure(record_property, "P2-reconcile", diff=report.diff)


def test_it_reports_credits_without_a_purchase_and_clawback_mismatches(client: Any, owner: Any) -> None:
    fund(wallet_of(owner), 5_000_000)  # a ledger purchase no payment stands behind
    purchase = make_purchase(owner)
    deliver(client, event("checkout.session.completed", session_obj(purchase)))
    ChargeState.objects.filter(payment_intent_id=Purchase.objects.get().payment_intent_id).update(
        clawed_back_micros=1
    )
    report = payments_reconcile(since=_since())
    assert report.diff == 2, report.problems
    with pytest.raises(CommandError):
        call_command("payments_reconcile", stdout=StringIO(), stderr=StringIO())


def test_it_checks_clawbacks_in_the_same_queries_for_1_or_5_charges(
    client: Any, db: None, django_assert_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing.payments.reconcile import ReconcileReport, _check_clawbacks
    from tests.conftest import make_user

    def refunded_purchases(count: int) -> None:
        for _ in range(count):
            purchase = make_purchase(make_user(f"r{ChargeState.objects.count()}@example.com"), 10_000_000)
            deliver(client, event("checkout.session.completed", session_obj(purchase)))
            deliver(client, event("charge.refunded", refund_obj(purchase, amount_refunded_cents=100)))

    refunded_purchases(1)
    with CaptureQueriesContext(connection) as one:
        _check_clawbacks(report := ReconcileReport(), since=_since())
    assert report.diff == 0
    queries = len(one)  # counted now: the requests below clear the connection's query log
    refunded_purchases(4)
    with django_assert_num_queries(queries):
        _check_clawbacks(report := ReconcileReport(), since=_since())
    assert report.diff == 0
