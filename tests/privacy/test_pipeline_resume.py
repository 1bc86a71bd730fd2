"""A crash at any point of the pipeline: the next run resumes and ends exactly where a clean run ends.

For every step, the failure is injected twice: before the step's effect (nothing of it happened) and after
its effect but before its audit row and step marker committed (the effect happened, the run doesn't know).
"""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import ApiKey, AuditEvent, User
from billing.audit import ledger_drifts
from billing.models import HouseAccount, LedgerEntry, LedgerTransaction, TransactionCode
from billing.selectors import house_balance
from privacy.models import DeletionStatus
from privacy.services import pipeline
from privacy.services.pipeline import STEP_NAMES
from tests.privacy.conftest import CHARGED, FUNDED, Account
from tests.privacy.helpers import request_due, run

pytestmark = pytest.mark.django_db


class Crash(Exception):  # noqa: N818 (the injected failure, named for what it simulates)
    pass


def _crashing(step: Any, *, after_effect: bool) -> Any:
    def crash(request: Any, user: Any) -> Any:
        if after_effect:
            step(request, user)
        raise Crash

    return crash


@pytest.mark.parametrize("after_effect", [False, True], ids=["before-effect", "after-effect"])
@pytest.mark.parametrize("index", range(len(STEP_NAMES)), ids=STEP_NAMES)
def test_it_resumes_after_a_crash_at_each_step(
    account: Account, monkeypatch: pytest.MonkeyPatch, index: int, *, after_effect: bool
) -> None:
    name, step = pipeline.STEPS[index]
    entries_before = LedgerEntry.objects.count()
    request = request_due(account.user)
    crashing = list(pipeline.STEPS)
    crashing[index] = (name, _crashing(step, after_effect=after_effect))
    monkeypatch.setattr(pipeline, "STEPS", crashing)
    with pytest.raises(Crash):
        run(request)
    request.refresh_from_db()
    assert request.status == DeletionStatus.RUNNING
    assert request.step == (STEP_NAMES[index - 1] if index else "")
    assert request.last_error == f"Crash after step {request.step or '-'}; retried on the next run."
    assert request.lease_until is None  # the next run may start at once

    monkeypatch.undo()
    request = run(request)

    assert request.status == DeletionStatus.COMPLETED
    assert request.attempts == 2
    # Every step audited exactly once, however often its effect ran.
    for step_name in STEP_NAMES:
        assert AuditEvent.objects.filter(action=f"deletion.step.{step_name}").count() == 1
    # The same end state as a clean run.
    user = User.objects.get(pk=account.user.pk)
    assert user.email.endswith("@deleted.invalid")
    assert not ApiKey.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert LedgerTransaction.objects.filter(code=TransactionCode.FORFEIT).count() == 1
    assert house_balance(code=HouseAccount.FORFEITED) == FUNDED - CHARGED
    assert request.forfeited_micros == FUNDED - CHARGED
    assert LedgerEntry.objects.count() == entries_before + 2  # the forfeit's two legs, nothing else
    assert ledger_drifts() == []
