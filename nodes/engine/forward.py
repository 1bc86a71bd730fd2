"""The upstream side: which base URL and key a vendor uses (live or sandbox), and the shared httpx client.

Only headers set here reach a vendor (quality.md X2): its key header, content-type and accept. The
client's Authorization, X-API-KEY, cookies, X-Forwarded-* and comfy-user never do.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import ssl
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx
from django.conf import settings

from comfyweb.errors import ApiError
from nodes.engine.types import Route, Vendor

Mode = Literal["live", "sandbox"]

# Raised far above httpx's defaults (100 connections, 5 s pool wait): one process holds ~1,000 long
# vendor calls at once (quality.md BM5). The connections are spread over POOL_SHARDS pooled transports,
# taken in turn: httpcore re-checks every connection of a pool (a socket poll each, and a quadratic count
# of the idle ones) whenever a request starts or ends, which cost ~12% of the platform's CPU at c=64 with
# one pool (bench/README.md). Sixteen small pools keep that scan short.
POOL_SHARDS = 16
LIMITS = httpx.Limits(max_connections=4000 // POOL_SHARDS, max_keepalive_connections=16, keepalive_expiry=30)


# What an httpx client would have added; some vendors' edges refuse requests without a User-Agent.
BASE_HEADERS = {"user-agent": "comfyweb", "accept-encoding": "gzip, deflate"}


@dataclass(frozen=True)
class Upstream:
    mode: Mode
    base_url: str
    headers: dict[str, str]
    # Live vendors that sign each request (`Vendor.sign_request`, bound to the key): (route, URL, body) →
    # (the URL to send to, the auth headers to set).
    signer: Callable[[Route, str, bytes], tuple[str, dict[str, str]]] | None = None


class NotSentError(Exception):
    """The request never reached the vendor (connect error/timeout, pool timeout): nothing started."""


class OutcomeUnknownError(Exception):
    """The request was sent but no answer came (read timeout, dropped connection): the vendor may bill."""


def vendor_config(vendor: Vendor) -> dict[str, str]:
    configured: dict[str, dict[str, str]] = settings.VENDOR_SETTINGS
    return configured.get(vendor.settings_name.lower(), {})


def vendor_mode(vendor: Vendor) -> Mode:
    conf = vendor_config(vendor)
    mode = conf.get("mode") or ("live" if conf.get("api_key") else "sandbox")
    return "live" if mode == "live" else "sandbox"


def upstream_for(vendor: Vendor) -> Upstream:
    conf = vendor_config(vendor)
    mode = vendor_mode(vendor)
    slots = {"project": conf.get("project") or "sandbox", "location": conf.get("location") or "us-central1"}
    if mode == "live":
        key = conf.get("api_key", "")
        if not key:
            raise ApiError(
                503,
                "upstream_unavailable",
                f"The provider {vendor.title} is not configured on this platform.",
            )
        base = (conf.get("base_url") or vendor.live_base).format(**slots)
        secret = vendor.sign_key(key)
    else:
        base = sandbox_root() + vendor.sandbox_base.format(**slots)
        secret = f"sandbox-{vendor.sandbox_name or vendor.name}"
    headers = {vendor.key_header: vendor.key_prefix + secret, "accept": "application/json"}
    for name, value in vendor.extra_headers.items():
        headers[name] = uuid.uuid4().hex if value == "{uuid}" else value
    if mode == "live" and vendor.sign_request is not None:
        del headers[vendor.key_header]  # the raw key (a secret pair) never goes on the wire; the signer signs
        return Upstream(mode, base.rstrip("/"), headers, functools.partial(vendor.sign_request, key))
    return Upstream(mode, base.rstrip("/"), headers)


_transports: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[httpx.AsyncBaseTransport]] = (
    weakref.WeakKeyDictionary()
)
_turn = itertools.count()
_transport: httpx.AsyncBaseTransport | None = None


def use_transport(transport: httpx.AsyncBaseTransport | None) -> None:
    """Tests route the sandbox through the ASGI app (or respx) instead of the network."""
    global _transport  # noqa: PLW0603 — one process-wide injection point, by design
    _transport = transport
    _transports.clear()


@functools.cache
def _tls() -> ssl.SSLContext:
    return httpx.create_ssl_context(trust_env=False)  # one CA bundle load per process, not per shard


def _new_transport() -> httpx.AsyncBaseTransport:
    return _transport or httpx.AsyncHTTPTransport(verify=_tls(), trust_env=False, limits=LIMITS)


def sandbox_root() -> str:
    """The sandbox's base URL: SANDBOX_UPSTREAM_BASE_URL when set (a simulator elsewhere, over HTTP), else
    this platform's own /sandbox/, called in-process (`sandbox_transport`), so no port or host can be
    wrong; the URL then only names the platform (PUBLIC_BASE_URL) in the sandbox's polling URLs."""
    return (settings.SANDBOX_UPSTREAM_BASE_URL or settings.PUBLIC_BASE_URL + "/sandbox").rstrip("/")


@functools.cache
def _in_process_sandbox() -> httpx.AsyncBaseTransport:
    from comfyweb.asgi import application  # the whole app; its /sandbox/ URLs are the simulator

    return httpx.ASGITransport(app=application)


def transport_for(upstream: Upstream) -> httpx.AsyncBaseTransport:
    """The in-process sandbox for sandbox calls (unless a test injected a transport or an external
    sandbox is configured); the network pools for everything else."""
    if upstream.mode == "sandbox" and _transport is None and not settings.SANDBOX_UPSTREAM_BASE_URL:
        return _in_process_sandbox()
    return transport()


def transport() -> httpx.AsyncBaseTransport:
    """The next of this event loop's connection pools (a pool's connections belong to the loop that
    opened them).

    Requests go to the transport directly, not through an `httpx.AsyncClient`: the client's layers
    (URL merging, cookies, auth and redirect flows, event hooks) do nothing for these calls and cost
    ~0.3 ms of CPU each (bench/README.md); redirects are never followed either way.
    """
    loop = asyncio.get_running_loop()
    shards = _transports.get(loop)
    if shards is None:
        shards = _transports[loop] = [_new_transport() for _ in range(POOL_SHARDS)]
    return shards[next(_turn) % POOL_SHARDS]


async def close_transports() -> None:
    """Close this event loop's pools (a loop that ends, like the sweeper's, closes its connections)."""
    for shard in _transports.pop(asyncio.get_running_loop(), []):
        if shard is not _transport:
            await shard.aclose()


async def send(
    *, route: Route, upstream: Upstream, path: str, content: bytes | None, content_type: str
) -> httpx.Response:
    headers = {**BASE_HEADERS, **upstream.headers}
    if content is not None:
        headers["content-type"] = content_type
    timeout = {
        "connect": route.connect_timeout_seconds,
        "read": route.timeout_seconds,
        "write": route.timeout_seconds,
        "pool": 30.0,
    }
    url = upstream.base_url + path
    if upstream.signer is not None:
        try:
            url, signed = upstream.signer(route, url, content or b"")
        except ValueError as exc:  # a key the signer cannot use (not `SecretId:SecretKey`): never sent
            raise NotSentError(str(exc)) from exc
        headers.update(signed)
    request = httpx.Request(
        route.method,
        url,
        content=content,
        headers=headers,
        extensions={"timeout": timeout},
    )
    try:
        response = await transport_for(upstream).handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        response.request = request
        return response
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol) as exc:
        raise NotSentError(str(exc) or type(exc).__name__) from exc
    except (httpx.WriteError, httpx.WriteTimeout) as exc:
        # The vendor never received a whole request, so it cannot have started the work.
        raise NotSentError(str(exc) or type(exc).__name__) from exc
    except httpx.HTTPError as exc:
        raise OutcomeUnknownError(str(exc) or type(exc).__name__) from exc
