"""Turning vendor replies into ours: pass-through bodies, vendor errors in the one shape, cost headers."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import httpx
from django.http import HttpResponse

from billing.money import micros_to_credits
from comfyweb.errors import ApiError
from nodes.engine.types import Vendor

_SAFE_CONTENT_TYPE = "application/octet-stream"


def json_or_none(response: httpx.Response) -> Any:
    """The reply's JSON; an NDJSON stream (Sonilo's music events) as the list of its objects; else None."""
    if "json" not in response.headers.get("content-type", "") and not response.content.startswith(
        (b"{", b"[")
    ):
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return _ndjson_or_none(response.content)


def _ndjson_or_none(content: bytes) -> list[Any] | None:
    """Two or more lines, each one JSON object: the objects in order (a garbled line → None)."""
    lines = [line for line in content.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    try:
        events = [json.loads(line) for line in lines]
    except ValueError:
        return None
    return events if all(isinstance(event, dict) for event in events) else None


def credits_header(micros: int) -> str:
    """`X-Comfy-Credits-Used`: the charge in credits, e.g. `12.66` (two decimals, never rounded up)."""
    return str(micros_to_credits(micros).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def passthrough(response: httpx.Response, *, content: bytes | None = None) -> HttpResponse:
    """The vendor's own body and status; only its content type is relayed (and only if it is clean)."""
    content_type = response.headers.get("content-type", "application/json")
    if any(char in content_type for char in "\r\n\0"):
        content_type = _SAFE_CONTENT_TYPE
    return HttpResponse(
        response.content if content is None else content,
        status=response.status_code,
        content_type=content_type,
    )


def json_reply(data: Any, status: int) -> HttpResponse:
    return HttpResponse(json.dumps(data), status=status, content_type="application/json")


def vendor_error(response: httpx.Response, vendor: Vendor) -> ApiError:
    """A vendor 4xx keeps its status with the vendor's message; a 5xx becomes 502 (comfy-contract §3.4)."""
    vendor_title = vendor.title
    message, kind = vendor.error_message(json_or_none(response))
    if not message:
        text = response.text.strip()
        message = text[:300] if text and not text.lstrip().startswith("<") else f"HTTP {response.status_code}"
    if response.status_code >= 500:
        return ApiError(
            502,
            "upstream_unavailable",
            f"{vendor_title} is unavailable (HTTP {response.status_code}); nothing was charged.",
        )
    if response.status_code == 429:
        retry = response.headers.get("retry-after", "")
        seconds = int(retry) if retry.isdigit() else 10
        return ApiError(
            429,
            "rate_limited",
            f"{vendor_title} is rate-limiting requests: {message}",
            headers={"Retry-After": str(max(1, min(150, seconds)))},
        )
    kind = "".join(c if c.isalnum() or c in "_-." else "_" for c in kind)[:64] or "upstream_rejected"
    return ApiError(response.status_code, kind, f"{vendor_title}: {message}"[:1000])
