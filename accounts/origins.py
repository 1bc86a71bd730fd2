"""Origin rules and CORS (design.md "Origins, secure context and the whitelist", comfy-contract.md §8.5).

Every browser request to an API path is classified by its `Origin` header:

| kind          | origin                                                   | credentials            |
|---------------|----------------------------------------------------------|------------------------|
| `none`        | no Origin header (ComfyUI's backend, a script)           | any                    |
| `same`        | the platform's own origin                                | any                    |
| `loopback`    | localhost, *.localhost, 127.0.0.0/8, [::1], any port     | any                    |
| `authorized`  | an https origin on the admin-managed list (exact match)  | any                    |
| `other_https` | any other https origin                                   | API key only           |
| `insecure`    | plain http, not loopback                                 | refused: 403 insecure  |
| `refused`     | `null`, or not a well-formed origin                      | refused: 403           |

The middleware answers preflights, refuses `insecure`/`refused` origins and puts the CORS headers on every
reply to an allowed origin, errors included (the frontend's self-healing needs to read 409s, §3.3).
`comfyweb.auth.authenticate_request` enforces the credential column, because only it knows which
credential a request carried.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Literal

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from comfyweb.errors import error_response
from comfyweb.middleware import HybridMiddleware

OriginKind = Literal["none", "same", "loopback", "authorized", "other_https", "insecure", "refused"]

# Paths the origin policy covers: the contract's browser-facing API and the metered proxy.
POLICY_PATH_PREFIXES = ("/customers", "/auth/", "/releases", "/proxy/")

ALLOW_METHODS = "GET, POST, DELETE, OPTIONS"
ALLOW_HEADERS = "Authorization, X-API-KEY, Content-Type, Comfy-Env, Idempotency-Key"
# Headers a browser page may read from our replies (retry hints and the newer clients' protocol headers).
EXPOSE_HEADERS = "Retry-After, X-Comfy-Error-Type, Idempotent-Replayed, X-Comfy-Credits-Used"
PREFLIGHT_MAX_AGE = "600"

# How long one process trusts its copy of the authorized-origins list (quality.md A4: ≤ 5 s).
AUTHORIZED_ORIGINS_TTL_SECONDS = 5.0

# scheme://host[:port] and nothing else: no path, query, fragment, userinfo or whitespace.
_ORIGIN_RE = re.compile(
    r"(?P<scheme>https?)://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>\d{1,5}))?"
)

INSECURE_ORIGIN_MESSAGE = (
    "This page is served over plain http from {origin}. Browsers may use the platform only from a secure "
    "context: serve ComfyUI over https (for example behind a reverse proxy with a certificate), or open it "
    "on this machine as http://localhost or http://127.0.0.1."
)
REFUSED_ORIGIN_MESSAGE = (
    "Requests from the origin {origin!r} are refused. Open ComfyUI from an https:// address or from "
    "localhost."
)
BEARER_ORIGIN_MESSAGE = (
    "Platform sign-in tokens may only be used from authorized origins, and {origin} is not one. Use "
    "'Log in with API key' in ComfyUI instead, or ask the operator to authorize this origin."
)


# --- Classification --------------------------------------------------------------------------------------


def _is_loopback_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback


def origin_parse(origin: str) -> tuple[str, str, int | None] | None:
    """(scheme, lower-case host, port) of a well-formed origin, else None."""
    match = _ORIGIN_RE.fullmatch(origin)
    if match is None:
        return None
    port = match["port"]
    if port is not None and not 0 < int(port) <= 65535:
        return None
    return match["scheme"], match["host"].lower(), int(port) if port else None


def _own_origins(request: HttpRequest) -> set[str]:
    own = {settings.PUBLIC_BASE_URL.lower()} if settings.PUBLIC_BASE_URL else set()
    # A bad Host header is answered elsewhere (ALLOWED_HOSTS); here it just means "not our origin".
    with contextlib.suppress(DisallowedHost):
        own.add(f"{request.scheme}://{request.get_host()}".lower())
    return own


def origin_classify(
    origin: str | None, *, own: set[str], authorized: Callable[[], frozenset[str]]
) -> OriginKind:
    """Classify an Origin header value; `authorized` is called only when the list matters."""
    if origin is None:
        return "none"
    parsed = origin_parse(origin)
    if parsed is None:
        return "refused"  # includes the literal "null" (sandboxed frames, file:// pages)
    scheme, host, _port = parsed
    if origin in own:
        return "same"
    if _is_loopback_host(host):
        return "loopback"
    if scheme == "http":
        return "insecure"
    # Exact, case-sensitive match: browsers send a canonical lower-case origin and the admin form only
    # stores canonical ones, so anything else (look-alikes, other ports, trailing dots) is "other".
    if origin in authorized():
        return "authorized"
    return "other_https"


# --- The authorized-origins list, cached per process -----------------------------------------------------

_cache_lock = threading.Lock()
_cache: tuple[float, frozenset[str]] | None = None


def _load_authorized_origins() -> frozenset[str]:
    from accounts.models import AuthorizedOrigin

    return frozenset(AuthorizedOrigin.objects.values_list("origin", flat=True))


def _cached_authorized_origins_or_none() -> frozenset[str] | None:
    with _cache_lock:
        if _cache is not None and time.monotonic() - _cache[0] < AUTHORIZED_ORIGINS_TTL_SECONDS:
            return _cache[1]
    return None


def authorized_origins() -> frozenset[str]:
    """The admin-managed https origins; re-read at most every AUTHORIZED_ORIGINS_TTL_SECONDS."""
    global _cache  # noqa: PLW0603 - one small per-process cache, guarded by the lock
    cached = _cached_authorized_origins_or_none()
    if cached is not None:
        return cached
    now = time.monotonic()
    origins = _load_authorized_origins()
    with _cache_lock:
        _cache = (now, origins)
    return origins


def authorized_origins_cache_clear() -> None:
    global _cache  # noqa: PLW0603
    with _cache_lock:
        _cache = None


def _clear_on_change(**kwargs: object) -> None:
    authorized_origins_cache_clear()


def connect_cache_signals() -> None:
    """Edits in this process take effect at once; other processes follow within the TTL."""
    from django.db.models.signals import post_delete, post_save

    from accounts.models import AuthorizedOrigin

    post_save.connect(_clear_on_change, sender=AuthorizedOrigin, dispatch_uid="origins-cache-save")
    post_delete.connect(_clear_on_change, sender=AuthorizedOrigin, dispatch_uid="origins-cache-delete")


def request_origin_kind(request: HttpRequest) -> OriginKind:
    """The request's origin kind (computed once per request; may read the authorized list)."""
    kind: OriginKind | None = getattr(request, "origin_kind", None)
    if kind is None:
        kind = origin_classify(
            request.headers.get("Origin"), own=_own_origins(request), authorized=authorized_origins
        )
        request.origin_kind = kind  # type: ignore[attr-defined]
    return kind


async def arequest_origin_kind(request: HttpRequest) -> OriginKind:
    """Same for async code: the database is read (rarely) in the thread-sensitive executor."""
    kind: OriginKind | None = getattr(request, "origin_kind", None)
    if kind is not None:
        return kind
    cached = _cached_authorized_origins_or_none()
    if cached is None:
        cached = await sync_to_async(authorized_origins)()
    known = cached
    kind = origin_classify(request.headers.get("Origin"), own=_own_origins(request), authorized=lambda: known)
    request.origin_kind = kind  # type: ignore[attr-defined]
    return kind


# --- Middleware --------------------------------------------------------------------------------------------


def is_policy_path(path: str) -> bool:
    return path.startswith(POLICY_PATH_PREFIXES)


def _cors_headers(response: HttpResponse, origin: str) -> HttpResponse:
    # Exact echo, never "*", and never Access-Control-Allow-Credentials: API calls carry headers, not cookies.
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    return response


def _add_vary_origin(response: HttpResponse) -> None:
    vary = response.get("Vary", "")
    if "origin" not in vary.lower():
        response["Vary"] = f"{vary}, Origin" if vary else "Origin"


def _preflight(origin: str) -> HttpResponse:
    response = HttpResponse(status=204)
    _cors_headers(response, origin)
    response["Access-Control-Allow-Methods"] = ALLOW_METHODS
    response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
    response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


def _refusal(kind: OriginKind, origin: str) -> HttpResponse:
    if kind == "insecure":
        # CORS headers on purpose: the page must be able to read why it was refused and what to do.
        response = error_response(403, "insecure_origin", INSECURE_ORIGIN_MESSAGE.format(origin=origin))
        return _cors_headers(response, origin)
    # No CORS headers for `null` or garbage: echoing "null" would open the API to sandboxed frames.
    return error_response(403, "origin_not_allowed", REFUSED_ORIGIN_MESSAGE.format(origin=origin[:100]))


def _before_view(request: HttpRequest, kind: OriginKind) -> HttpResponse | None:
    """A reply that short-circuits the view (preflight or refusal), or None to go on."""
    origin = request.headers.get("Origin")
    if origin is None or kind in {"none", "same"}:
        return None
    if kind == "refused":
        return _refusal(kind, origin)
    if request.method == "OPTIONS":
        # Insecure origins get a successful preflight too, so the real request can be answered with a
        # readable 403 instead of an opaque network error.
        return _preflight(origin)
    if kind == "insecure":
        return _refusal(kind, origin)
    return None


def _after_view(request: HttpRequest, kind: OriginKind, response: HttpResponse) -> HttpResponse:
    _add_vary_origin(response)
    origin = request.headers.get("Origin")
    if origin is not None and kind in {"loopback", "authorized", "other_https"}:
        _cors_headers(response, origin)
    return response


class OriginPolicyMiddleware(HybridMiddleware):
    """Applies the origin table to API paths, for sync and async views alike."""

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self._is_async:
            return self._acall(request)
        if not is_policy_path(request.path):
            response = self.get_response(request)
            assert isinstance(response, HttpResponseBase)
            return response
        kind = request_origin_kind(request)
        early = _before_view(request, kind)
        if early is not None:
            return _after_view(request, kind, early) if early.status_code == 204 else self._vary(early)
        response = self.get_response(request)
        assert isinstance(response, HttpResponse)
        return _after_view(request, kind, response)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        if not is_policy_path(request.path):
            return await self.get_response(request)  # type: ignore[no-any-return, misc]
        kind = await arequest_origin_kind(request)
        early = _before_view(request, kind)
        if early is not None:
            return _after_view(request, kind, early) if early.status_code == 204 else self._vary(early)
        response: HttpResponse = await self.get_response(request)  # type: ignore[misc]
        return _after_view(request, kind, response)

    @staticmethod
    def _vary(response: HttpResponse) -> HttpResponse:
        _add_vary_origin(response)
        return response
