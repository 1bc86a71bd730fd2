"""Isolation matrix: 20 users, 20 live sessions; every user's canvas cookie tried on every session over HTTP
and over the websocket → exactly 20 allowed and 380 denied each way; and no user's files are visible in
another user's canvas."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from canvas.services import session_create, session_url, session_wait_ready
from tests.canvas.conftest import Platform, exchange_ticket
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)

USERS = 20


def _ws_allowed(url: str, origin: str, cookie: str) -> bool:
    try:
        with connect(url, origin=origin, additional_headers={"Cookie": cookie}, open_timeout=10) as ws:
            ws.recv(timeout=10)
            return True
    except InvalidStatus:
        return False


def test_every_pair_of_users_and_sessions(
    canvas_platform: Platform, settings: Any, record_property: Any
) -> None:
    settings.CANVAS_LOCAL_MAX_SESSIONS = USERS
    users = [make_user(f"user{i}@example.com") for i in range(USERS)]
    sessions = [session_create(user=user)[0] for user in users]  # all launch at once, then wait
    sessions = [session_wait_ready(session=s, timeout=60) for s in sessions]
    assert [s.status for s in sessions] == ["ready"] * USERS
    browsers = [exchange_ticket(canvas_platform, s) for s in sessions]
    for i, browser in enumerate(browsers):
        with browser.client() as client:
            files = {"image": (f"only-{i}.png", f"user {i}".encode(), "image/png")}
            assert client.post("upload/image", files=files).status_code == 200

    http = {"allowed": 0, "denied": 0}
    ws = {"allowed": 0, "denied": 0}
    leaks = 0
    with httpx.Client(timeout=20) as client:
        for i, browser in enumerate(browsers):
            for j, session in enumerate(sessions):
                response = client.get(session_url(session) + "api/queue", headers={"Cookie": browser.cookie})
                http["allowed" if response.status_code == 200 else "denied"] += 1
                assert (response.status_code == 200) == (i == j)
                assert response.status_code in (200, 404)
                ws_url = session_url(session).replace("http://", "ws://") + "ws?clientId=m"
                allowed = _ws_allowed(ws_url, canvas_platform.canvas, browser.cookie)
                ws["allowed" if allowed else "denied"] += 1
                assert allowed == (i == j)
            # Through their own canvas, user i sees only their own upload.
            with browser.client() as own:
                for j in range(USERS):
                    seen = own.get("view", params={"filename": f"only-{j}.png", "type": "input"})
                    if i == j:
                        assert seen.content == f"user {i}".encode()
                    elif seen.status_code != 404:
                        leaks += 1
    record_property("canvas_isolation_http", f"{http['allowed']} allowed / {http['denied']} denied")
    record_property("canvas_isolation_ws", f"{ws['allowed']} allowed / {ws['denied']} denied")
    assert http == {"allowed": USERS, "denied": USERS * USERS - USERS}
    assert ws == {"allowed": USERS, "denied": USERS * USERS - USERS}
    assert leaks == 0
