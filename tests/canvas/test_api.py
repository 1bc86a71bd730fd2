"""`/customers/canvas-sessions` and the platform's start pages (owner, outsider, bad input)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client

from accounts.services.api_keys import api_key_create
from canvas.models import CanvasSession, SessionStatus
from canvas.services import session_key_plaintext
from tests.canvas.conftest import Platform

pytestmark = pytest.mark.django_db(transaction=True)


def _key(user: Any) -> str:
    return api_key_create(user=user, name="script")[1]


def _api(key: str) -> Client:
    return Client(HTTP_X_API_KEY=key)


def test_it_creates_lists_shows_and_ends_a_session(canvas_platform: Platform, owner: Any) -> None:
    client = _api(_key(owner))
    created = client.post("/customers/canvas-sessions", data={}, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "starting"
    assert created["Cache-Control"] == "no-store"
    url = urlsplit(body["url"])
    assert f"{url.scheme}://{url.netloc}" == canvas_platform.canvas
    assert url.path == f"/s/{body['id']}/"
    assert parse_qs(url.query)["ticket"]
    again = client.post("/customers/canvas-sessions", data={}, content_type="application/json")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]  # one server per user
    import time

    for _ in range(100):
        shown = client.get(f"/customers/canvas-sessions/{body['id']}").json()
        if shown["status"] == "ready":
            break
        time.sleep(0.1)
    assert shown["status"] == "ready"
    assert shown["startup_seconds"] is not None
    # The ticket in the url opens the canvas in a "browser".
    opened = httpx.get(shown["url"], follow_redirects=False)
    assert opened.status_code == 302
    listed = client.get("/customers/canvas-sessions").json()["sessions"]
    assert [s["id"] for s in listed] == [body["id"]]
    ended = client.delete(f"/customers/canvas-sessions/{body['id']}")
    assert ended.status_code == 200
    assert ended.json()["status"] == "ended"
    assert ended.json()["end_reason"] == "user"
    assert ended.json()["url"] is None


def test_an_outsider_gets_404(canvas_local: Path, owner: Any, outsider: Any, settings: Any) -> None:
    settings.CANVAS_SPAWNER = "pool"  # stays queued: no process needed for this test
    mine = (
        _api(_key(owner)).post("/customers/canvas-sessions", data={}, content_type="application/json").json()
    )
    theirs = _api(_key(outsider))
    assert theirs.get(f"/customers/canvas-sessions/{mine['id']}").status_code == 404
    assert theirs.delete(f"/customers/canvas-sessions/{mine['id']}").status_code == 404
    assert theirs.get("/customers/canvas-sessions").json() == {"sessions": []}
    assert CanvasSession.objects.get(public_id=mine["id"]).status == SessionStatus.QUEUED


def test_it_refuses_bad_input_and_missing_credentials(canvas_local: Path, owner: Any, settings: Any) -> None:
    settings.CANVAS_SPAWNER = "pool"
    client = _api(_key(owner))
    unknown = client.post("/customers/canvas-sessions", data={"gpu": "a100"}, content_type="application/json")
    assert unknown.status_code == 400
    assert client.get("/customers/canvas-sessions/not-a-uuid").status_code == 404
    assert (
        Client().post("/customers/canvas-sessions", data={}, content_type="application/json").status_code
        == 401
    )
    assert not CanvasSession.objects.exists()


def test_a_sessions_own_key_cannot_open_sessions(canvas_local: Path, owner: Any, settings: Any) -> None:
    settings.CANVAS_SPAWNER = "pool"
    client = _api(_key(owner))
    session = client.post("/customers/canvas-sessions", data={}, content_type="application/json").json()
    scoped = session_key_plaintext(CanvasSession.objects.get(public_id=session["id"]))
    refused = _api(scoped).post("/customers/canvas-sessions", data={}, content_type="application/json")
    assert refused.status_code == 403
    assert _api(scoped).delete(f"/customers/canvas-sessions/{session['id']}").status_code == 403


def test_the_start_page_opens_the_canvas_with_a_ticket(canvas_local: Path, owner: Any, outsider: Any) -> None:
    browser = Client()
    browser.force_login(owner)
    assert "Open ComfyUI" in browser.get("/dashboard").content.decode()
    started = browser.post("/canvas/start")
    assert started.status_code == 302
    session = CanvasSession.objects.get(user=owner)
    assert started["Location"] == f"/canvas/{session.public_id}"
    page = browser.get(started["Location"]).content.decode()
    assert "js/canvas.js" in page
    status = browser.get(f"/canvas/{session.public_id}/status").json()
    assert status["status"] in ("starting", "ready")
    opened = browser.get(f"/canvas/{session.public_id}/open")
    assert opened.status_code == 302
    assert "?ticket=" in opened["Location"]
    other = Client()
    other.force_login(outsider)
    assert other.get(f"/canvas/{session.public_id}/status").status_code == 404
    assert other.get(f"/canvas/{session.public_id}/open").status_code == 404
    assert other.post(f"/canvas/{session.public_id}/end").status_code == 404
    assert browser.post(f"/canvas/{session.public_id}/end").status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.ENDED


def test_the_command_lists_and_ends_sessions(canvas_local: Path, owner: Any, settings: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    settings.CANVAS_SPAWNER = "pool"
    from canvas.services import session_create

    session, _ = session_create(user=owner)
    out = StringIO()
    call_command("canvas_sessions", stdout=out)
    assert str(session.public_id) in out.getvalue()
    call_command("canvas_sessions", "--end", str(session.public_id), stdout=out)
    session.refresh_from_db()
    assert session.status == SessionStatus.ENDED


def test_an_operator_end_is_audited(canvas_local: Path, owner: Any, settings: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import AuditEvent
    from canvas.services import session_create

    settings.CANVAS_SPAWNER = "pool"
    session, _ = session_create(user=owner)
    call_command("canvas_sessions", "--end", str(session.public_id), stdout=StringIO())
    event = AuditEvent.objects.get(action="canvas.session_end")
    assert event.subject_id == owner.pk
    assert event.target == str(session.public_id)
    assert event.old == {"status": "queued"}
    assert event.new == {"status": "ended"}


def test_closing_an_account_ends_its_sessions(canvas_local: Path, owner: Any, settings: Any) -> None:
    from canvas.models import EndReason
    from canvas.services import session_create, sessions_end_for_account

    settings.CANVAS_SPAWNER = "pool"
    session, _ = session_create(user=owner)
    assert sessions_end_for_account(user=owner) == 1
    session.refresh_from_db()
    assert session.end_reason == EndReason.ACCOUNT
