"""The `/ws` relay: text and binary frames both ways, owner-only, Origin checked."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.canvas.conftest import CanvasBrowser, Platform, exchange_ticket, start_ready

pytestmark = pytest.mark.django_db(transaction=True)


def _ws_url(browser: CanvasBrowser) -> str:
    return browser.base.replace("http://", "ws://") + "ws?clientId=abc"


def test_it_relays_text_and_binary_frames_both_ways(canvas_platform: Platform, owner: Any) -> None:
    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    with connect(
        _ws_url(browser), origin=canvas_platform.canvas, additional_headers={"Cookie": browser.cookie}
    ) as ws:
        hello = json.loads(ws.recv(timeout=10))
        assert hello["type"] == "status"
        assert hello["data"]["sid"] == "abc"
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "echo", "data": '{"type": "ping"}'}
        ws.send(b"\x00\x01\x02\xff")
        assert ws.recv(timeout=10) == b"echo:\x00\x01\x02\xff"
        # A queued prompt: the backend pushes a JSON event and a binary preview frame to the socket.
        with browser.client() as client:
            client.post("api/prompt", json={"prompt": {}})
        assert json.loads(ws.recv(timeout=10))["type"] == "executing"
        assert ws.recv(timeout=10)[:8] == b"\x00\x00\x00\x01\x00\x00\x00\x02"


def test_it_refuses_another_origin(canvas_platform: Platform, owner: Any) -> None:
    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    for origin in (canvas_platform.url, "https://evil.example.com"):
        with pytest.raises(InvalidStatus) as refused:
            connect(_ws_url(browser), origin=origin, additional_headers={"Cookie": browser.cookie})
        assert refused.value.response.status_code == 403


def test_it_refuses_everyone_but_the_owner(canvas_platform: Platform, owner: Any, outsider: Any) -> None:
    mine = start_ready(owner)
    theirs = exchange_ticket(canvas_platform, start_ready(outsider))
    mine_browser = exchange_ticket(canvas_platform, mine)
    with pytest.raises(InvalidStatus):
        connect(
            _ws_url(mine_browser), origin=canvas_platform.canvas, additional_headers={"Cookie": theirs.cookie}
        )
    with pytest.raises(InvalidStatus):
        connect(_ws_url(mine_browser), origin=canvas_platform.canvas)
