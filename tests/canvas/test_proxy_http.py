"""The canvas proxy over real HTTP: ticket → cookie on the canvas origin, owner-only, headers stripped,
bodies streamed both ways, range requests, and the two rewrites (features, prompt credential)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone

from canvas.models import CanvasSession, EndReason
from canvas.services import session_end, session_key_plaintext, session_url, ticket_issue
from tests.canvas.conftest import Platform, exchange_ticket, start_ready
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_exchanges_a_ticket_once_for_a_cookie_on_the_canvas_origin(
    canvas_platform: Platform, owner: Any
) -> None:
    session = start_ready(owner)
    url = session_url(session, ticket_issue(session=session))
    first = httpx.get(url, follow_redirects=False)
    assert first.status_code == 302
    assert first.headers["location"] == f"/s/{session.public_id}/_platform/frame"  # the platform frame
    cookie = first.headers["set-cookie"]
    assert f"Path=/s/{session.public_id}/" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Domain" not in cookie  # host-only: never sent to the platform's 127.0.0.1
    again = httpx.get(url, follow_redirects=False)
    assert again.status_code == 404


def test_it_refuses_an_expired_ticket(canvas_platform: Platform, owner: Any) -> None:
    session = start_ready(owner)
    ticket = ticket_issue(session=session)
    CanvasSession.objects.filter(pk=session.pk).update(
        ticket_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert httpx.get(session_url(session, ticket), follow_redirects=False).status_code == 404


def test_it_serves_the_canvas_only_on_its_own_origin(canvas_platform: Platform, owner: Any) -> None:
    session = start_ready(owner)
    # The same path on the platform's origin is the platform's own 404, never the backend.
    on_platform = httpx.get(f"{canvas_platform.url}/s/{session.public_id}/")
    assert on_platform.status_code == 404
    assert "fake ComfyUI" not in on_platform.text


def test_it_forwards_the_owners_requests(canvas_platform: Platform, owner: Any) -> None:
    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    with browser.client() as client:
        page = client.get("")
        assert page.status_code == 200
        assert "fake ComfyUI" in page.text
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            echo = client.request(method, "fake/echo?x=1", content=b"abc" if method != "GET" else None)
            assert echo.json()["method"] == method
            assert echo.json()["query"] == "x=1"


def test_it_strips_credentials_and_identity_headers(canvas_platform: Platform, owner: Any) -> None:
    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    sent = {
        "Authorization": "Bearer secret-token",
        "X-API-KEY": "comfyui-" + "a" * 64,
        "X-Forwarded-For": "10.0.0.1",
        "X-Real-IP": "10.0.0.1",
        "Forwarded": "for=10.0.0.1",
        "Comfy-User": "someone-else",
        "Origin": canvas_platform.canvas,
        "X-Kept": "yes",
    }
    with browser.client() as client:
        seen = client.get("fake/echo", headers=sent).json()["headers"]
    for name in (
        "cookie",
        "authorization",
        "x-api-key",
        "x-forwarded-for",
        "x-real-ip",
        "forwarded",
        "comfy-user",
        "origin",
    ):
        assert name not in seen, name
    assert seen["x-kept"] == "yes"
    assert seen["host"] == session.backend_url.removeprefix("http://")


def test_it_refuses_everyone_but_the_owner(canvas_platform: Platform, owner: Any, outsider: Any) -> None:
    mine = start_ready(owner)
    theirs = start_ready(outsider)
    outsider_browser = exchange_ticket(canvas_platform, theirs)
    # The outsider's genuine cookie, presented on the owner's session path.
    response = httpx.get(session_url(mine), headers={"Cookie": outsider_browser.cookie})
    assert response.status_code == 404
    assert httpx.get(session_url(mine)).status_code == 404  # no cookie
    forged = outsider_browser.cookie.split("=", 1)[0] + "=" + "x" * 40
    assert httpx.get(session_url(mine), headers={"Cookie": forged}).status_code == 404
    unknown = f"{canvas_platform.canvas}/s/{uuid.uuid4()}/"
    assert httpx.get(unknown, headers={"Cookie": outsider_browser.cookie}).status_code == 404


def test_it_rewrites_features_to_point_at_the_platform(canvas_platform: Platform, owner: Any) -> None:
    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    with browser.client() as client:
        for path in ("api/features", "features"):
            features = client.get(path).json()
            assert features["comfy_api_base_url"] == canvas_platform.url
            assert features["comfy_platform_base_url"] == canvas_platform.url
            assert features["max_upload_size"] == 104857600  # the backend's own keys stay


def test_it_injects_the_session_key_into_prompts(canvas_platform: Platform, owner: Any) -> None:
    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    prompt = {
        "prompt": {"1": {"class_type": "X"}},
        "extra_data": {"api_key_comfy_org": "comfyui-" + "z" * 64},
    }
    with browser.client() as client:
        queued = client.post("api/prompt", json=prompt).json()
        history = client.get("api/history").json()
    extra = history[queued["prompt_id"]]["prompt"][3]
    assert extra["api_key_comfy_org"] == session_key_plaintext(session)
    assert extra["api_key_comfy_org"] != prompt["extra_data"]["api_key_comfy_org"]


def test_it_streams_uploads_and_range_requests(canvas_platform: Platform, owner: Any) -> None:
    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    data = bytes(range(256)) * 4096  # 1 MiB
    with browser.client() as client:
        uploaded = client.post("upload/image", files={"image": ("clip.mp4", data, "video/mp4")}).json()
        assert uploaded["name"] == "clip.mp4"
        whole = client.get("view", params={"filename": "clip.mp4", "type": "input"})
        assert whole.content == data
        part = client.get(
            "view", params={"filename": "clip.mp4", "type": "input"}, headers={"Range": "bytes=1000-1999"}
        )
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    assert part.content == data[1000:2000]


def test_it_refuses_uploads_over_the_limit(canvas_platform: Platform, owner: Any, settings: Any) -> None:
    settings.CANVAS_UPLOAD_MAX_BYTES = 100_000
    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    with browser.client() as client:
        declared = client.post("fake/echo", content=b"x" * 100_001)
        streamed = client.post(
            "fake/echo", content=iter([b"x" * 60_000, b"x" * 60_000])
        )  # chunked, no length
        fits = client.post("fake/echo", content=iter([b"x" * 50_000, b"x" * 50_000]))
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert fits.json()["body_bytes"] == 100_000


def test_it_closes_an_ended_session(canvas_platform: Platform, owner: Any) -> None:
    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    session_end(session=session, reason=EndReason.USER)
    with browser.client() as client:
        response = client.get("fake/echo")
    assert response.status_code == 410
    assert json.loads(response.text)["code"] == "SESSION_ENDED"


def test_it_answers_502_when_the_backend_is_gone(canvas_platform: Platform, owner: Any) -> None:
    import os
    import signal

    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    os.killpg(session.pid, signal.SIGKILL)
    import time

    time.sleep(0.3)
    with browser.client() as client:
        assert client.get("fake/echo").status_code == 502


def test_the_ticket_of_one_user_never_opens_another_users_session(canvas_platform: Platform) -> None:
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    alices, bobs = start_ready(alice), start_ready(bob)
    ticket = ticket_issue(session=alices)
    assert httpx.get(session_url(bobs, ticket), follow_redirects=False).status_code == 404


def test_a_client_leaving_mid_upload_changes_nothing(canvas_platform: Platform, owner: Any) -> None:
    import socket
    import time
    from urllib.parse import urlsplit

    from canvas.spawners.local import user_dirs

    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    canvas = urlsplit(canvas_platform.canvas)
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="half.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    request = (
        f"POST /s/{session.public_id}/upload/image HTTP/1.1\r\nHost: {canvas.netloc}\r\n"
        f"Cookie: {browser.cookie}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {10 * 1024 * 1024}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", canvas.port or 80)) as sock:
        sock.sendall(request + head + b"x" * 1024 * 1024)
        time.sleep(0.3)
    time.sleep(0.5)
    assert not (user_dirs(owner.pk)["input_dir"] / "half.png").exists()
    with browser.client() as client:
        assert client.get("api/queue").status_code == 200  # the proxy and the backend carry on
    session.refresh_from_db()
    assert session.status == "ready"


def test_the_canvas_host_sends_page_visits_to_the_platform(canvas_platform: Platform) -> None:
    visit = httpx.get(canvas_platform.canvas + "/dashboard", follow_redirects=False)
    assert visit.status_code == 302
    assert visit.headers["location"] == canvas_platform.url + "/dashboard"
    stray = httpx.post(canvas_platform.canvas + "/api/prompt", json={})  # not a session's path
    assert stray.status_code == 404
    assert canvas_platform.url in stray.json()["message"]
    assert httpx.get(canvas_platform.canvas + "/s/not-a-session/", follow_redirects=False).status_code == 404


def test_a_malformed_neighbour_cookie_does_not_hide_the_canvas_cookie(
    canvas_platform: Platform, owner: Any
) -> None:
    session = start_ready(owner)
    browser = exchange_ticket(canvas_platform, session)
    cookie = f'junk="unterminated; {browser.cookie}; other=1'
    assert httpx.get(session_url(session), headers={"Cookie": cookie}).status_code == 200


def test_the_platform_apis_answer_on_the_canvas_host_too(canvas_platform: Platform) -> None:
    """A ComfyUI started with `--comfy-api-base http://localhost:<port>` on the one-command run (where
    localhost is the canvas host) still reaches the platform's header-authenticated APIs."""
    for path in ("/proxy/openai/images/generations", "/customers/balance"):
        reply = (
            httpx.post(f"{canvas_platform.canvas}{path}", json={"prompt": "x"})
            if "proxy" in path
            else (httpx.get(f"{canvas_platform.canvas}{path}"))
        )
        assert reply.status_code == 401, (path, reply.text[:200])
        assert reply.json()["error"]["type"] == "unauthorized"
    page = httpx.get(f"{canvas_platform.canvas}/dashboard/", follow_redirects=False)
    assert page.status_code in (301, 302, 307, 308)  # pages stay on the platform's own origin
