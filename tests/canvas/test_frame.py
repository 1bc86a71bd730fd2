"""The platform frame around the canvas (canvas/frame.py), over real HTTP on the canvas origin: the
balance, session time and running cost, the funds warning two minutes ahead, End session; the owner only;
and the hosted time on the dashboard and the Usage page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.test import Client

from canvas.models import EndReason, SessionStatus
from canvas.services import session_end, session_key_plaintext, sessions_sweep
from tests.canvas.conftest import Platform, exchange_ticket, start_ready
from tests.conftest import make_user
from tests.nodes.conftest import fund_user

pytestmark = pytest.mark.django_db(transaction=True)

PRICE = 1_000_000  # $1 a minute = 211 credits


@pytest.fixture
def priced(settings: Any) -> None:
    settings.CANVAS_LOCAL_PRICE_PER_MINUTE_MICROS = PRICE


def test_the_frame_holds_the_canvas_and_says_what_the_session_costs(
    canvas_platform: Platform, priced: None, owner: Any
) -> None:
    fund_user(owner, 10 * PRICE)
    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    with browser.client() as client:
        page = client.get("_platform/frame")
        assert page.status_code == 200
        assert f'data-src="/s/{session.public_id}/"' in page.text
        # Over http the key goes only to a frontend older than 1.55 (the frame asks the backend which).
        assert '"before": [1, 55]' in page.text
        policy = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'nonce-" in policy
        assert page.headers["cache-control"] == "no-store"
        status = client.get("_platform/status").json()
    # $10 funded, the first minute ($1) held: $9 available = 1,899 credits; 9 more minutes payable.
    assert status["status"] == "ready"
    assert (status["available_micros"], status["available_credits"]) == (9 * PRICE, "1,899")
    assert (status["charged_micros"], status["price_per_minute_credits"]) == (0, "211")
    assert status["minutes_left"] == 9
    assert status["warning"] is None


def test_it_warns_two_minutes_before_the_credits_run_out(
    canvas_platform: Platform, priced: None, owner: Any
) -> None:
    fund_user(owner, 3 * PRICE)
    session = start_ready(owner)
    assert session.ready_at is not None
    browser = exchange_ticket(canvas_platform, session)
    with browser.client() as client:
        first = client.get("_platform/status").json()
        assert (first["minutes_left"], first["warning"]) == (2, None)
        sessions_sweep(now=session.ready_at + timedelta(minutes=1, seconds=1))
        warned = client.get("_platform/status").json()
    # One minute billed, the second held: $1 left pays one more minute → warned.
    assert (warned["charged_micros"], warned["minutes_left"]) == (PRICE, 1)
    assert "1 more minute" in warned["warning"]


def test_end_session_from_the_frame_needs_the_canvas_origin(canvas_platform: Platform, owner: Any) -> None:
    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    with browser.client() as client:
        assert client.post("_platform/end").status_code == 403  # no Origin: not from the frame's page
        forged = client.post("_platform/end", headers={"Origin": canvas_platform.url})
        assert forged.status_code == 403  # the platform's origin is another origin
        assert client.get("_platform/end").status_code == 405
        assert client.get("_platform/nothing").status_code == 404
        ended = client.post("_platform/end", headers={"Origin": canvas_platform.canvas})
        assert ended.status_code == 200
        assert ended.json()["status"] == "ended"
        assert ended.json()["end_reason"] == "Ended by the user"
        assert client.get("_platform/frame").status_code == 410
        assert client.get("_platform/status").json()["status"] == "ended"
    session.refresh_from_db()
    assert (session.status, session.end_reason) == (SessionStatus.ENDED, EndReason.USER)


def test_only_the_owner_reaches_the_frame(canvas_platform: Platform, owner: Any) -> None:
    session = start_ready(owner)
    other = start_ready(make_user("other@example.com"))
    theirs = exchange_ticket(canvas_platform, other)
    mine = f"{canvas_platform.canvas}/s/{session.public_id}/_platform/"
    for path, method in (("frame", "GET"), ("status", "GET"), ("end", "POST")):
        answer = httpx.request(
            method,
            mine + path,
            headers={"Cookie": theirs.cookie, "Origin": canvas_platform.canvas},
        )
        assert answer.status_code == 404, path
    session.refresh_from_db()
    assert session.status == SessionStatus.READY


def test_the_dashboard_and_usage_list_hosted_time(
    canvas_platform: Platform, priced: None, owner: Any
) -> None:
    fund_user(owner, 10 * PRICE)
    session = start_ready(owner)
    assert session.ready_at is not None
    sessions_sweep(now=session.ready_at + timedelta(minutes=2, seconds=5))
    session_end(session=session, reason=EndReason.USER)
    client = Client()
    client.force_login(owner)
    dashboard = client.get("/dashboard").content.decode()
    assert 'data-testid="dash-canvas-session"' in dashboard
    assert "422" in dashboard  # two minutes at 211 credits
    usage = client.get("/usage").content.decode()
    assert usage.count('data-testid="usage-hosted-row"') == 1
    assert '<td class="right" data-testid="usage-hosted-charged">422</td>' in usage
    assert "Ended by the user" in usage


def test_over_https_the_frontend_starts_signed_in_with_the_session_key(
    canvas_platform: Platform, settings: Any, owner: Any
) -> None:
    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    settings.PUBLIC_BASE_URL = "https://platform.example.com"
    with browser.client() as client:
        page = client.get("_platform/frame").text
    # The session's own key (never the user's long-lived one), for the frontend's "Log in with API key".
    assert '"storage": "comfy_api_key"' in page
    assert session_key_plaintext(session) in page
    assert '"before"' not in page  # https: every frontend takes it
