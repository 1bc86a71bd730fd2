"""Optional ComfyUI request headers (comfy-contract §2.4), validated before anything else uses them."""

from __future__ import annotations

import re

from django.http import HttpRequest

from comfyweb.errors import ApiError

_PRINTABLE = re.compile(r"[\x20-\x7e]*")
MAX_IDEMPOTENCY_KEY = 255
MAX_COMFY_VALUE = 128


def _invalid(name: str) -> ApiError:
    return ApiError(400, "invalid_header", f"The {name} header contains characters that are not allowed.")


def header(request: HttpRequest, name: str, *, limit: int = MAX_COMFY_VALUE) -> str:
    """A printable-ASCII header value (quality.md B-07: CR, LF, NUL and non-ASCII → 400), truncated."""
    value = request.headers.get(name, "")
    if not _PRINTABLE.fullmatch(value):
        raise _invalid(name)
    return value.strip()[:limit]


def idempotency_key(request: HttpRequest) -> str | None:
    value = request.headers.get("Idempotency-Key")
    if value is None:
        return None
    if not value or len(value) > MAX_IDEMPOTENCY_KEY or not _PRINTABLE.fullmatch(value):
        raise ApiError(
            400, "invalid_header", "The Idempotency-Key header must be 1-255 printable ASCII characters."
        )
    return value
