"""`Comfy-Asset-Format: url` (comfy-contract.md, request headers): a newer client may ask for a binary reply
(a video, an audio file) as `{"url": …}` instead of the bytes, and downloads it itself. The bytes are kept
in the platform's storage under the caller's own path, behind a signed, expiring download URL."""

from __future__ import annotations

import mimetypes

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse

from accounts.models import User
from nodes.engine.replies import json_reply
from nodes.storage import storage_save

ASSET_FORMAT = "Comfy-Asset-Format"
# Replies that are data, not an asset: always answered as they are.
_DATA_TYPES = ("application/json", "text/", "application/x-ndjson", "application/problem+json")
# The reply headers that describe the bytes, not the call: dropped with them.
_BODY_HEADERS = frozenset({"content-type", "content-length", "content-disposition", "content-encoding"})


def wants_url(request: HttpRequest) -> bool:
    return request.headers.get(ASSET_FORMAT, "").strip().lower() == "url"


def is_asset(response: HttpResponse) -> bool:
    """A successful, whole (not streamed) reply whose body is a file rather than JSON or text."""
    content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return (
        200 <= response.status_code < 300
        and not response.streaming
        and bool(response.content)
        and not content_type.startswith(_DATA_TYPES)
    )


def _file_name(content_type: str) -> str:
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return f"asset{extension}"


async def as_url(response: HttpResponse, *, user: User) -> HttpResponse:
    """The same reply as `{"url": …}`, with the call's own headers (credits used, timing) kept."""
    content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
    url = await sync_to_async(storage_save)(
        user=user, file_name=_file_name(content_type), content_type=content_type, content=response.content
    )
    reply = json_reply({"url": url}, response.status_code)
    for name, value in response.items():
        if name.lower() not in _BODY_HEADERS:
            reply[name] = value
    return reply
