"""The audit log view: filters by actor, action, subject and date range, and the same rows as CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.services.audit import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(owner: Any, outsider: Any, support: Any, console_admin: Any) -> dict[str, AuditEvent]:
    old = audit_record(action="console.grant", actor=support, subject=owner, reason="old one")
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    return {
        "old": old,
        "grant": audit_record(action="console.grant", actor=support, subject=owner, reason="=HYPERLINK(1)"),
        "freeze": audit_record(
            action="console.wallet_freeze", actor=console_admin, subject=outsider, reason="fraud"
        ),
        "system": audit_record(action="deletion.step.revoke_keys", subject=outsider),
    }


def _ids(client: Client, query: str) -> set[int]:
    page = client.get(f"/console/audit?{query}")
    assert page.status_code == 200
    return {event.pk for event in page.context["rows"]} - {
        e.pk for e in AuditEvent.objects.filter(action__startswith="console.otp")
    }


def test_it_filters_by_actor_action_subject_and_dates(
    trail: dict[str, AuditEvent], admin_client_: Client
) -> None:
    every = {event.pk for event in trail.values()}
    assert _ids(admin_client_, "") == every
    assert _ids(admin_client_, "actor=support%40example.com") == {trail["old"].pk, trail["grant"].pk}
    assert _ids(admin_client_, "actor=system") == {trail["system"].pk}
    assert _ids(admin_client_, "action=console.wallet_freeze") == {trail["freeze"].pk}
    assert _ids(admin_client_, "action=deletion.") == {trail["system"].pk}
    assert _ids(admin_client_, "subject=OUTSIDER%40example.com") == {trail["freeze"].pk, trail["system"].pk}
    today = timezone.localdate()
    since = (today - timedelta(days=1)).isoformat()
    assert _ids(admin_client_, f"date_from={since}") == every - {trail["old"].pk}
    until = (today - timedelta(days=30)).isoformat()
    assert _ids(admin_client_, f"date_to={until}") == {trail["old"].pk}
    assert _ids(admin_client_, f"actor=support%40example.com&date_from={since}") == {trail["grant"].pk}


def test_it_refuses_a_backwards_date_range_and_bad_dates(
    trail: dict[str, AuditEvent], admin_client_: Client
) -> None:
    assert admin_client_.get("/console/audit?date_from=2026-02-02&date_to=2026-01-01").status_code == 400
    assert admin_client_.get("/console/audit?date_from=yesterday").status_code == 400
    assert admin_client_.get("/console/audit.csv?date_from=yesterday").status_code == 400


def test_it_exports_the_filtered_rows_as_csv(
    trail: dict[str, AuditEvent], admin_client_: Client, owner: Any, support: Any
) -> None:
    reply = admin_client_.get("/console/audit.csv?subject=owner%40example.com")
    assert reply.status_code == 200
    assert reply["Content-Type"].startswith("text/csv")
    assert "attachment" in reply["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(reply.streaming_content).decode())))
    assert [int(row["id"]) for row in rows] == [trail["grant"].pk, trail["old"].pk]
    assert rows[0]["actor_id"] == str(support.pk)
    assert rows[0]["subject_id"] == str(owner.pk)
    # A reason typed by staff cannot run as a spreadsheet formula, and no e-mail address is exported.
    assert rows[0]["reason"] == "'=HYPERLINK(1)"


def test_the_csv_holds_no_email_addresses(trail: dict[str, AuditEvent], admin_client_: Client) -> None:
    body = b"".join(admin_client_.get("/console/audit.csv").streaming_content)
    assert b"@example.com" not in body


def test_it_pages_with_a_cursor(owner: Any, admin_client_: Client) -> None:
    made = [audit_record(action="test.page", subject=owner).pk for _ in range(105)]
    first = admin_client_.get("/console/audit?action=test.page")
    assert len(first.context["rows"]) == 100
    cursor = first.context["next_before"]
    second = admin_client_.get(f"/console/audit?action=test.page&before={cursor}")
    assert {e.pk for e in first.context["rows"]} | {e.pk for e in second.context["rows"]} == set(made)
    assert second.context["next_before"] is None
