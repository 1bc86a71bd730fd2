"""The canvas origin's HTTP side: `/s/<session>/…` reverse-proxied to that session's ComfyUI backend.

Plain ASGI (not a Django view), so bodies stream both ways without being buffered: uploads up to
CANVAS_UPLOAD_MAX_BYTES, downloads and range requests (video) of any size. The backend is read from the
session row the cookie names; nothing the client sends picks it. Two requests are rewritten:

- `GET /api/features` and `/features`: the platform's base URLs are merged in, so the stock frontend
  (≥ 1.47) talks to this platform (comfy-contract.md §9);
- `POST /api/prompt` and `/prompt`: the session's own scoped API key goes into
  `extra_data.api_key_comfy_org`, so API nodes run logged in and charge the owner's wallet.

`/s/<session>/_platform/…` is the platform's own frame around the canvas (canvas/frame.py).
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from asgiref.sync import sync_to_async
from django.conf import settings

from canvas import frame, recent
from canvas.cookies import COOKIE_NAME, cookie_header, cookie_user_id
from canvas.models import CanvasSession, SessionStatus
from comfyweb.errors import error_body

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

SESSION_PATH = re.compile(
    r"/s/(?P<session>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?P<rest>/.*)?"
)
FEATURE_PATHS = {"/api/features", "/features"}
PROMPT_PATHS = {"/api/prompt", "/prompt"}
# Never forwarded: the canvas cookie, any credential, and anything that claims who or where the client is.
_STRIPPED_REQUEST = {
    b"cookie",
    b"authorization",
    b"proxy-authorization",
    b"x-api-key",
    b"host",
    b"origin",
    b"referer",
    b"forwarded",
    b"x-real-ip",
    b"true-client-ip",
    b"cf-connecting-ip",
    b"x-client-ip",
    b"comfy-user",  # ComfyUI's multi-user switch: the spawner picks the user directory, never the client
    b"connection",
    b"keep-alive",
    b"te",
    b"trailer",
    b"transfer-encoding",
    b"upgrade",
    b"expect",
}
_STRIPPED_RESPONSE = {
    b"set-cookie",
    b"connection",
    b"keep-alive",
    b"transfer-encoding",
    b"trailer",
    b"upgrade",
}
# Bodies the proxy reads whole to rewrite (a workflow is JSON; ComfyUI's own cap on it is max_upload_size).
_REWRITE_MAX_BYTES = 50 * 1024 * 1024


class TooLarge(Exception):  # noqa: N818 - a signal, not an error condition of the caller
    pass


class ClientGone(Exception):  # noqa: N818
    pass


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


def _client() -> httpx.AsyncClient:
    """One pooled client per event loop (connections to a backend are reused across requests)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        timeout = httpx.Timeout(connect=5.0, read=None, write=60.0, pool=10.0)
        client = httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False)
        _clients[loop] = client
    return client


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _json(
    send: Send, status: int, payload: Any, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await _respond(send, status, body, headers + (extra or []))


async def _error(send: Send, status: int, error_type: str, message: str) -> None:
    await _json(send, status, error_body(error_type, message), [(b"cache-control", b"no-store")])


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _cookies(scope: Scope) -> str:
    return "; ".join(value.decode("latin-1") for key, value in scope["headers"] if key == b"cookie")


@sync_to_async
def _fetch(session_public_id: str, user_id: int) -> CanvasSession | None:
    from canvas.selectors import session_for_proxy
    from canvas.services import session_touch

    session = session_for_proxy(session_public_id=session_public_id, user_id=user_id)
    if session is not None and session.status == SessionStatus.READY:
        session_touch(session_id=session.pk, last_seen=session.last_activity_at)
    return session


async def _load(session_public_id: str, user_id: int) -> CanvasSession | None:
    cached = recent.get(session_public_id, user_id)
    if cached is not None:
        return cached
    session = await _fetch(session_public_id, user_id)
    recent.put(
        session_public_id, user_id, session if session and session.status == SessionStatus.READY else None
    )
    return session


@sync_to_async
def _frame_page(session: CanvasSession, nonce: str) -> bytes:
    return frame.frame_page(session, nonce=nonce)


@sync_to_async
def _frame_status(session: CanvasSession) -> dict[str, Any]:
    return frame.frame_status(session).payload(session)


@sync_to_async
def _frame_end(session: CanvasSession) -> dict[str, Any]:
    return frame.frame_end(session)


def canvas_origin() -> str:
    parts = urlsplit(settings.CANVAS_BASE_URL)
    return f"{parts.scheme}://{parts.netloc}"


@sync_to_async
def _redeem(session_public_id: str, ticket: str) -> CanvasSession | None:
    from canvas.services import ticket_redeem

    return ticket_redeem(session_public_id=session_public_id, ticket=ticket)


@sync_to_async
def _session_key(session: CanvasSession) -> str:
    from canvas.services import session_key_plaintext

    return session_key_plaintext(session)


async def _body_chunks(receive: Receive, limit: int) -> AsyncIterator[bytes]:
    """The request body as it arrives; past `limit` bytes, or when the client goes away, stop."""
    seen = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone()
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > limit:
            raise TooLarge()
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


async def _read_all(receive: Receive, limit: int) -> bytes:
    return b"".join([chunk async for chunk in _body_chunks(receive, limit)])


def platform_features() -> dict[str, str]:
    base = settings.PUBLIC_BASE_URL
    return {"comfy_api_base_url": base, "comfy_platform_base_url": base, "comfy_cloud_base_url": base}


def inject_credential(body: bytes, api_key: str) -> bytes:
    """The workflow with the session's key in extra_data; a body that is not a JSON object is passed on
    unchanged (ComfyUI answers it with its own 400)."""
    try:
        prompt = json.loads(body)
    except ValueError:
        return body
    if not isinstance(prompt, dict):
        return body
    extra = prompt.get("extra_data")
    if not isinstance(extra, dict):
        extra = {}
    # Whatever the page put there is replaced: only the session's scoped key runs API nodes from the canvas.
    extra.pop("auth_token_comfy_org", None)
    extra["api_key_comfy_org"] = api_key
    prompt["extra_data"] = extra
    return json.dumps(prompt).encode()


class CanvasHttpProxy:
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = SESSION_PATH.fullmatch(scope["path"])
        if match is None:
            await self._elsewhere(scope, send)
            return
        session_id, rest = match["session"], match["rest"] or ""
        query = scope.get("query_string", b"").decode("latin-1")
        if rest == "":
            location = f"/s/{session_id}/" + (f"?{query}" if query else "")
            await _respond(send, 302, b"", [(b"location", location.encode())])
            return
        ticket = parse_qs(query).get("ticket", [""])[0] if rest == "/" else ""
        if ticket:
            await self._exchange(send, session_id, ticket)
            return
        user_id = cookie_user_id(_cookies(scope), session_public_id=session_id)
        session = await _load(session_id, user_id) if user_id is not None else None
        if session is None:
            # Not the owner (or no valid cookie): indistinguishable from a session that does not exist.
            await _error(send, 404, "not_found", "No such hosted ComfyUI session.")
            return
        if rest.startswith(frame.PREFIX):
            await self._platform(scope, receive, send, session, rest.removeprefix(frame.PREFIX))
            return
        if session.status != SessionStatus.READY:
            await self._not_ready(send, session)
            return
        await self._forward(scope, receive, send, session, rest)

    async def _platform(
        self, scope: Scope, receive: Receive, send: Send, session: CanvasSession, what: str
    ) -> None:
        """The platform frame's page, its status poll and its End session (canvas/frame.py)."""
        method = scope["method"]
        wanted = {"frame": "GET", "status": "GET", "end": "POST"}.get(what)
        if wanted is None:
            await _error(send, 404, "not_found", "No such page of the hosted session.")
            return
        if method != wanted:
            await _json(
                send,
                405,
                error_body("method_not_allowed", "This page does not accept that method."),
                [(b"allow", wanted.encode())],
            )
            return
        if what == "status":
            await _json(send, 200, await _frame_status(session), [(b"cache-control", b"no-store")])
            return
        if what == "end":
            # The canvas origin has no CSRF tokens: a state change must come from a page of this origin.
            if _header(scope, b"origin") != canvas_origin():
                await _error(send, 403, "forbidden", "End the session from its own page.")
                return
            await _read_all(receive, 64 * 1024)
            await _json(send, 200, await _frame_end(session), [(b"cache-control", b"no-store")])
            return
        if session.status != SessionStatus.READY:
            await self._not_ready(send, session)
            return
        nonce = secrets.token_urlsafe(16)
        policy = (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
            "connect-src 'self'; frame-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'none'"
        )
        body = await _frame_page(session, nonce)
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            (b"content-security-policy", policy.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
        ]
        await _respond(send, 200, body, headers)

    async def _elsewhere(self, scope: Scope, send: Send) -> None:
        """Outside /s/<session>/ the canvas host serves nothing: a page visit goes to the platform (someone
        typed the canvas host by mistake); anything else is told where the platform is."""
        platform = settings.PUBLIC_BASE_URL
        if scope["method"] in ("GET", "HEAD") and not scope["path"].startswith("/s/"):
            location = platform + scope["path"]
            await _respond(send, 302, b"", [(b"location", location.encode("latin-1", "replace"))])
            return
        message = f"This is the hosted ComfyUI address; the platform is at {platform}."
        await _error(send, 404, "not_found", message)

    async def _exchange(self, send: Send, session_id: str, ticket: str) -> None:
        session = await _redeem(session_id, ticket)
        if session is None:
            await _error(
                send, 404, "not_found", "This link was already used or has expired. Open ComfyUI again."
            )
            return
        cookie = cookie_header(session_public_id=session_id, user_id=session.user_id)
        headers = [
            # Into the platform frame, which holds the canvas (`/s/<session>/`) in an iframe.
            (b"location", f"/s/{session_id}/{frame.PREFIX.strip('/')}/frame".encode()),
            (b"set-cookie", cookie.encode()),
            (b"referrer-policy", b"no-referrer"),
            (b"cache-control", b"no-store"),
        ]
        await _respond(send, 302, b"", headers)

    async def _not_ready(self, send: Send, session: CanvasSession) -> None:
        if session.status in (SessionStatus.QUEUED, SessionStatus.STARTING):
            await _error(send, 503, "session_starting", "The session is still starting; try again shortly.")
            return
        await _error(send, 410, "session_ended", "This hosted ComfyUI session has ended.")

    def _upstream_headers(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        return [
            (k, v)
            for k, v in scope["headers"]
            if k not in _STRIPPED_REQUEST and not k.startswith(b"x-forwarded-")
        ]

    async def _forward(
        self, scope: Scope, receive: Receive, send: Send, session: CanvasSession, rest: str
    ) -> None:
        method = scope["method"]
        url = session.backend_url + rest
        query = scope.get("query_string", b"")
        if query:
            url += "?" + query.decode("latin-1")
        headers = self._upstream_headers(scope)
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > settings.CANVAS_UPLOAD_MAX_BYTES:
            await _error(send, 413, "payload_too_large", "The upload is larger than this canvas accepts.")
            return
        content: bytes | AsyncIterator[bytes]
        try:
            if method == "POST" and rest in PROMPT_PATHS:
                body = await _read_all(receive, _REWRITE_MAX_BYTES)
                content = inject_credential(body, await _session_key(session))
                headers = [(k, v) for k, v in headers if k != b"content-length"]
            elif method in ("GET", "HEAD"):
                content = b""
            else:
                content = _body_chunks(receive, settings.CANVAS_UPLOAD_MAX_BYTES)
            if method == "GET" and rest in FEATURE_PATHS:
                await self._features(send, url, headers)
                return
            await self._stream(send, method, url, headers, content)
        except TooLarge:
            await _error(send, 413, "payload_too_large", "The upload is larger than this canvas accepts.")
        except ClientGone:
            return  # the client left mid-upload: the backend's request is abandoned with it

    async def _features(self, send: Send, url: str, headers: list[tuple[bytes, bytes]]) -> None:
        try:
            upstream = await _client().get(url, headers=headers)
        except httpx.HTTPError:
            await _error(send, 502, "backend_unavailable", "The ComfyUI backend did not answer.")
            return
        try:
            features = upstream.json()
        except ValueError:
            features = None
        if not isinstance(features, dict):
            features = {}
        features.update(platform_features())
        await _json(send, upstream.status_code, features, [(b"cache-control", b"no-store")])

    async def _stream(
        self,
        send: Send,
        method: str,
        url: str,
        headers: list[tuple[bytes, bytes]],
        content: bytes | AsyncIterator[bytes],
    ) -> None:
        client = _client()
        request = client.build_request(method, url, headers=headers, content=content)
        try:
            upstream = await client.send(request, stream=True)
        except httpx.HTTPError:
            await _error(send, 502, "backend_unavailable", "The ComfyUI backend did not answer.")
            return
        try:
            response_headers = [
                (k.lower(), v) for k, v in upstream.headers.raw if k.lower() not in _STRIPPED_RESPONSE
            ]
            await send(
                {"type": "http.response.start", "status": upstream.status_code, "headers": response_headers}
            )
            async for chunk in upstream.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except httpx.HTTPError:
            # The backend broke off mid-body: end ours too (the client sees a truncated response).
            await send({"type": "http.response.body", "body": b""})
        finally:
            await upstream.aclose()


__all__ = ["COOKIE_NAME", "CanvasHttpProxy"]
