"""The deletion hook: the console shows the privacy app's deletion state and puts a request on a legal
hold (and releases it) through privacy's own services; without the app it says "not available"."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from django.test import Client

from accounts.models import AuditEvent
from console import adapters
from privacy.models import DeletionRequest, DeletionStatus
from privacy.services.deletion import deletion_request_create

pytestmark = pytest.mark.django_db


def test_it_shows_not_available_without_the_privacy_app(monkeypatch: pytest.MonkeyPatch, owner: Any) -> None:
    monkeypatch.setitem(sys.modules, "privacy.selectors", None)  # as if the app were not installed
    state = adapters.deletion_state(owner)
    assert (state.available, state.label) == (False, "deletion: not available")
    monkeypatch.setitem(sys.modules, "privacy.services.deletion", None)
    with pytest.raises(adapters.FeatureUnavailable):
        adapters.deletion_hold(user=owner, reason="x", staff=owner)


def test_it_shows_the_deletion_state(owner: Any, admin_client_: Client) -> None:
    assert adapters.deletion_state(owner).label == "no deletion requested"
    deletion_request_create(user=owner)
    label = adapters.deletion_state(owner).label
    assert label.startswith("Scheduled (grace period)")
    assert "due " in label
    page = admin_client_.get(f"/console/users/{owner.public_id}")
    assert b"Scheduled (grace period)" in page.content
    assert b"Put on hold" in page.content


def test_it_holds_and_releases_through_the_privacy_app(
    owner: Any, console_admin: Any, admin_client_: Client
) -> None:
    request = deletion_request_create(user=owner)
    reply = admin_client_.post(
        f"/console/users/{owner.public_id}/deletion/hold", {"reason": "legal hold, case 7"}
    )
    assert reply.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.hold_reason, request.held_by) == (
        DeletionStatus.ON_HOLD,
        "legal hold, case 7",
        console_admin,
    )
    # privacy's own row (the state change) and the console's (who asked, and why).
    assert AuditEvent.objects.get(action="deletion.hold").actor == console_admin
    assert AuditEvent.objects.get(action="console.deletion_hold").reason == "legal hold, case 7"
    page = admin_client_.get(f"/console/users/{owner.public_id}")
    assert b"Release the hold" in page.content
    assert b"legal hold, case 7" in page.content

    reply = admin_client_.post(
        f"/console/users/{owner.public_id}/deletion/release", {"reason": "case closed"}
    )
    assert reply.status_code == 302
    assert DeletionRequest.objects.get(pk=request.pk).status == DeletionStatus.SCHEDULED
    assert AuditEvent.objects.get(action="console.deletion_release").reason == "case closed"


def test_it_shows_privacys_refusal_and_writes_nothing(owner: Any, admin_client_: Client) -> None:
    deletion_request_create(user=owner)
    reply = admin_client_.post(f"/console/users/{owner.public_id}/deletion/release", {"reason": "x"})
    assert reply.status_code == 409
    assert b"not on hold" in reply.content
    assert not AuditEvent.objects.filter(
        action__in=["console.deletion_release", "deletion.hold_released"]
    ).exists()


def test_it_says_so_when_there_is_no_request_to_hold(outsider: Any, admin_client_: Client) -> None:
    reply = admin_client_.post(f"/console/users/{outsider.public_id}/deletion/hold", {"reason": "x"})
    assert reply.status_code == 409
    assert b"no deletion request" in reply.content
    assert not AuditEvent.objects.filter(action="console.deletion_hold").exists()


def test_staff_end_a_users_hosted_session_with_an_audited_reason(owner: Any, staff: Any) -> None:
    from accounts.models import AuditEvent
    from canvas.models import CanvasSession, SessionStatus

    session = CanvasSession.objects.create(user=owner, spawner="pool", status=SessionStatus.QUEUED)
    assert [s.pk for s in adapters.hosted_sessions(owner) or []] == [session.pk]
    assert adapters.hosted_session_end(
        user=owner, session_id=str(session.public_id), reason="stuck", staff=staff
    )
    session.refresh_from_db()
    assert session.status == SessionStatus.ENDED
    event = AuditEvent.objects.get(action="canvas.session_end")
    assert (event.actor_id, event.reason) == (staff.pk, "stuck")
