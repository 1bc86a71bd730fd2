"""The audit trail: rows carry ids and values, never e-mail addresses or secrets, and are never deleted."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, transaction

from accounts.models import AuditEvent
from accounts.services.audit import audit_events_for_user, audit_record


def test_it_records_actor_subject_and_values(owner: Any, staff: Any) -> None:
    audit_record(action="wallet.freeze", actor=staff, subject=owner, reason="ticket 12", new={"status": "x"})
    (event,) = audit_events_for_user(subject=owner)
    assert (event.actor, event.action, event.reason, event.new) == (
        staff,
        "wallet.freeze",
        "ticket 12",
        {"status": "x"},
    )


def test_it_refuses_personal_data_in_values(owner: Any) -> None:
    with pytest.raises(ValueError, match="email"):
        audit_record(action="profile.change", subject=owner, old={"email": owner.email})
    assert not AuditEvent.objects.exists()


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_it_refuses_deleting_audit_rows_on_postgresql(owner: Any) -> None:
    audit_record(action="key.revoke", subject=owner)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1
