"""Read and parse a /proxy request body once, bounded by the route's size cap."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import parse_qsl

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser, MultiPartParserError

from comfyweb.errors import ApiError
from comfyweb.jsonio import load_json_object
from nodes.engine.types import Body, Route

_MEDIA = {
    "json": "application/json",
    "multipart": "multipart/form-data",
    "form": "application/x-www-form-urlencoded",
}


def too_large(route: Route) -> ApiError:
    return ApiError(
        413,
        "payload_too_large",
        f"The request body is larger than this route's limit of {route.max_bytes} bytes.",
    )


def read_bounded(request: HttpRequest, route: Route) -> bytes:
    """The raw body, refusing anything over the route's cap before and while reading it."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError as exc:
        raise ApiError(400, "invalid_request", "The Content-Length header is malformed.") from exc
    if declared > route.max_bytes:
        raise too_large(route)
    # HttpRequest.read() streams from the request without Django's DATA_UPLOAD_MAX_MEMORY_SIZE check,
    # so multipart uploads may exceed it; the route cap applies instead (also without Content-Length).
    raw = request.read(route.max_bytes + 1)
    if len(raw) > route.max_bytes:
        raise too_large(route)
    return raw


class _FieldNamesOnly(FileUploadHandler):
    """Multipart files are forwarded as raw bytes; the parse only needs their field names."""

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        self.names.append(field_name)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        return None

    def file_complete(self, file_size: int) -> None:
        return None


def _multipart(raw: bytes, content_type: str) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    names: list[str] = []
    meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(raw))}
    try:
        parser = MultiPartParser(meta, io.BytesIO(raw), [_FieldNamesOnly(names)], "utf-8")
        post, _files = parser.parse()
    except (TooManyFieldsSent, TooManyFilesSent) as exc:
        raise ApiError(400, "invalid_request", "The form has too many fields or files.") from exc
    except RequestDataTooBig as exc:
        raise ApiError(413, "payload_too_large", "A form field is too large.") from exc
    except (MultiPartParserError, UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, "invalid_request", "The multipart body is malformed.") from exc
    if len(names) > settings.DATA_UPLOAD_MAX_NUMBER_FILES:
        raise ApiError(400, "invalid_request", "The form has too many files.")
    return {key: tuple(post.getlist(key)) for key in post}, tuple(names)


def _form(raw: bytes) -> dict[str, tuple[str, ...]]:
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=bool(text),
            max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, "invalid_request", "The form body is malformed.") from exc
    fields: dict[str, list[str]] = {}
    for key, value in pairs:
        fields.setdefault(key, []).append(value)
    return {key: tuple(values) for key, values in fields.items()}


# JSON bodies larger than this are parsed and serialized on a worker thread, not on the event loop: a
# 30 MB body of base64 images takes ~100 ms of CPU, which would stall every other call in the process.
OFF_LOOP_BYTES = 1024 * 1024


async def aparse(request: HttpRequest, route: Route) -> Body:
    if route.body == "json" and int(request.META.get("CONTENT_LENGTH") or 0) > OFF_LOOP_BYTES:
        return await sync_to_async(parse, thread_sensitive=False)(request, route)
    return parse(request, route)


def json_bytes(data: Any) -> bytes:
    """Compact JSON as forwarded; a string no encoder can write (a lone surrogate, `"\\ud800"`) is the
    client's error, found before anything is reserved."""
    try:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        raise ApiError(
            400, "invalid_request", "The JSON body contains an invalid Unicode escape (a lone surrogate)."
        ) from exc


def forward_bytes(body: Body, drop: tuple[str, ...] = ()) -> bytes | None:
    """What is forwarded: JSON re-serialized from the object that was priced (quality.md §4 rule 5), less
    the route's `drop_fields` (top-level fields only ComfyUI's own proxy reads, which the vendor refuses)."""
    if body.format == "none":
        return None
    if body.format == "json":
        data = body.json or {}
        return json_bytes({k: v for k, v in data.items() if k not in drop} if drop else body.json)
    return body.raw


async def aforward_bytes(body: Body, drop: tuple[str, ...] = ()) -> bytes | None:
    if body.format == "json" and len(body.raw) > OFF_LOOP_BYTES:
        return await sync_to_async(forward_bytes, thread_sensitive=False)(body, drop)
    return forward_bytes(body, drop)


def parse(request: HttpRequest, route: Route) -> Body:
    if route.body == "none":
        return Body(format="none", raw=b"")
    raw = read_bounded(request, route)
    content_type = request.META.get("CONTENT_TYPE", "")
    media = content_type.split(";", 1)[0].strip().lower()
    expected = _MEDIA[route.body]
    if route.body == "json" and media in ("", expected) and not raw.strip():
        return Body(format="json", raw=b"{}", json={}, content_type=expected)
    if media != expected:
        raise ApiError(415, "unsupported_media_type", f"Send this route's body as {expected}.")
    if route.body == "json":
        return Body(format="json", raw=raw, json=load_json_object(raw), content_type=expected)
    if route.body == "form":
        return Body(format="form", raw=raw, fields=_form(raw), content_type=expected)
    fields, files = _multipart(raw, content_type)
    return Body(format="multipart", raw=raw, fields=fields, files=files, content_type=content_type)
