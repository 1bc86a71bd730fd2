"""`POST /customers/storage` and the two capability URLs it hands out (comfy-contract.md §5.1).

ComfyUI asks for an upload slot, `PUT`s the raw bytes to `upload_url` with no credentials (and with its
declared Content-Type, or none at all), then gives `download_url` to a vendor, who fetches it with no
credentials either. Both URLs are signed, expiring tokens that carry everything needed — owner, storage
path, content type — so nothing is recorded in the database and any web process can serve them.
The upload URL is single use: the object's existence is the record that it was used.
"""

from __future__ import annotations

import mimetypes
import re
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from accounts.models import User
from comfyweb.auth import authenticate_request
from comfyweb.errors import ApiError, invalid_request, not_found
from comfyweb.jsonio import request_json_object
from nodes.sandbox.tokens import sign_payload, unsign_payload

UPLOAD_SALT = "comfyweb.storage.upload"
DOWNLOAD_SALT = "comfyweb.storage.download"
STORAGE_PREFIX = "uploads"
CHUNK_BYTES = 1024 * 1024
ALLOWED_FIELDS = frozenset({"file_name", "content_type", "file_hash"})
MAX_FILE_NAME_CHARS = 255
MAX_FILE_HASH_CHARS = 256
# RFC 6838 type/subtype (parameters are not part of a declared upload type).
_MIME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}")
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
# Served with their own type; anything else (text/html, image/svg+xml …) downloads as an opaque attachment,
# so an upload can never become a page on the platform's origin.
_INLINE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif", "video/", "audio/", "model/")
OCTET_STREAM = "application/octet-stream"


@dataclass(frozen=True)
class UploadSlot:
    upload_url: str
    download_url: str
    expires_at: datetime


def _file_name_checked(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid_request("file_name is required and must be a non-empty string.")
    if len(value) > MAX_FILE_NAME_CHARS:
        raise invalid_request(f"file_name may have at most {MAX_FILE_NAME_CHARS} characters.")
    if "/" in value or "\\" in value or value.strip(". ") == "" or any(ord(char) < 32 for char in value):
        raise invalid_request(
            "file_name must be a plain file name, without directories or control characters."
        )
    return value


def _content_type_checked(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not _MIME_RE.fullmatch(value):
        raise invalid_request("content_type must be a media type such as image/png.")
    return value.lower()


def storage_request_parse(*, body: dict[str, Any]) -> tuple[str, str]:
    """(file_name, content_type or "") from the request body; anything unexpected is a 400."""
    unknown = sorted(set(body) - ALLOWED_FIELDS)
    if unknown:
        raise invalid_request(f"Unknown field(s): {', '.join(unknown)}.")
    file_hash = body.get("file_hash")
    if file_hash is not None and (not isinstance(file_hash, str) or len(file_hash) > MAX_FILE_HASH_CHARS):
        raise invalid_request(f"file_hash must be a string of at most {MAX_FILE_HASH_CHARS} characters.")
    return _file_name_checked(body.get("file_name")), _content_type_checked(body.get("content_type"))


def _safe_name(file_name: str) -> str:
    """A storage-safe version of the client's name: it never carries a path, only a readable tail."""
    cleaned = _UNSAFE_NAME_CHARS.sub("_", file_name).lstrip("._")[-100:]
    return cleaned or "upload"


def _fresh_path(user: User, file_name: str) -> tuple[str, str]:
    """(storage path, name): a fresh, owner-scoped place for one file."""
    name = _safe_name(file_name)
    return f"{STORAGE_PREFIX}/{user.public_id.hex}/{secrets.token_hex(16)}/{name}", name


def _download_url(path: str, name: str, served_type: str) -> str:
    token = sign_payload([path, served_type], salt=DOWNLOAD_SALT, timestamped=True)
    return f"{settings.PUBLIC_BASE_URL}/storage/files/{token}/{name}"


def storage_slot_create(*, user: User, file_name: str, content_type: str) -> UploadSlot:
    """Reserve a fresh, owner-scoped storage path and sign the two capability URLs for it."""
    path, name = _fresh_path(user, file_name)
    served_type = content_type or mimetypes.guess_type(name)[0] or OCTET_STREAM
    upload_token = sign_payload([user.public_id.hex, path, content_type], salt=UPLOAD_SALT, timestamped=True)
    return UploadSlot(
        upload_url=f"{settings.PUBLIC_BASE_URL}/storage/upload/{upload_token}",
        download_url=_download_url(path, name, served_type),
        expires_at=timezone.now() + timedelta(seconds=settings.DOWNLOAD_URL_TTL_SECONDS),
    )


def storage_save(*, user: User, file_name: str, content_type: str, content: bytes) -> str:
    """Keep bytes the platform produced for the user (a vendor's binary reply) and sign their download URL."""
    path, name = _fresh_path(user, file_name)
    default_storage.save(path, ContentFile(content))
    return _download_url(path, name, content_type or OCTET_STREAM)


def _upload_claims(token: str) -> tuple[str, str]:
    payload = unsign_payload(
        token, salt=UPLOAD_SALT, max_age_seconds=settings.UPLOAD_URL_TTL_SECONDS, timestamped=True
    )
    if payload is None or len(payload) != 3 or not all(isinstance(item, str) for item in payload):
        raise not_found("This upload link is invalid or has expired.")
    _, path, content_type = payload
    return path, content_type


def _too_large() -> ApiError:
    return ApiError(413, "payload_too_large", f"Uploads may be at most {settings.UPLOAD_MAX_BYTES} bytes.")


def _already_used() -> ApiError:
    return ApiError(409, "already_uploaded", "This upload link has already been used.")


def _spool(stream: IO[bytes], *, limit: int) -> IO[bytes]:
    """Copy the request body to a temporary file in chunks, refusing it as soon as it passes `limit`."""
    spool = tempfile.SpooledTemporaryFile(max_size=CHUNK_BYTES * 8)  # noqa: SIM115 — returned to the caller
    size = 0
    while chunk := stream.read(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            spool.close()
            raise _too_large()
        spool.write(chunk)
    spool.seek(0)
    return spool


def storage_upload_receive(
    *, token: str, stream: IO[bytes], content_length: int | None, content_type: str
) -> None:
    """Store one PUT body at the token's path, once. Nothing is stored unless the whole body fits."""
    path, declared = _upload_claims(token)
    sent = content_type.split(";", maxsplit=1)[0].strip().lower()
    if sent and declared and sent != declared:
        raise invalid_request(f"This upload link expects Content-Type {declared} (or none).")
    if content_length is not None and content_length > settings.UPLOAD_MAX_BYTES:
        raise _too_large()
    if default_storage.exists(path):
        raise _already_used()
    with _spool(stream, limit=settings.UPLOAD_MAX_BYTES) as spool:
        saved = default_storage.save(path, File(spool))
    if saved != path:
        # A concurrent PUT won the race (the storage picked another name for us): keep only the first.
        default_storage.delete(saved)
        raise _already_used()


def storage_download_open(*, token: str) -> tuple[IO[bytes], str, str]:
    """(file, content type, file name) of a stored upload; 404 for bad/expired tokens and before upload."""
    payload = unsign_payload(
        token, salt=DOWNLOAD_SALT, max_age_seconds=settings.DOWNLOAD_URL_TTL_SECONDS, timestamped=True
    )
    if payload is None or len(payload) != 2 or not all(isinstance(item, str) for item in payload):
        raise not_found("This file link is invalid or has expired.")
    path, content_type = payload
    if not path.startswith(f"{STORAGE_PREFIX}/") or not default_storage.exists(path):
        raise not_found("Nothing has been uploaded to this link yet.")
    return default_storage.open(path, "rb"), content_type, path.rsplit("/", 1)[-1]


# --- views ------------------------------------------------------------------------------------------------


@csrf_exempt
def storage_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        raise ApiError(405, "method_not_allowed", "Use POST.", headers={"Allow": "POST"})
    principal = authenticate_request(request)
    file_name, content_type = storage_request_parse(body=request_json_object(request))
    slot = storage_slot_create(user=principal.user, file_name=file_name, content_type=content_type)
    return JsonResponse(
        {
            "upload_url": slot.upload_url,
            "download_url": slot.download_url,
            "expires_at": slot.expires_at.isoformat().replace("+00:00", "Z"),
        }
    )


def _content_length(request: HttpRequest) -> int | None:
    value = request.META.get("CONTENT_LENGTH") or ""
    return int(value) if value.isascii() and value.isdigit() else None


@csrf_exempt
def storage_upload(request: HttpRequest, token: str) -> HttpResponse:
    """The unauthenticated PUT capability. Reads the body as a stream: never `request.body`."""
    if request.method != "PUT":
        raise ApiError(405, "method_not_allowed", "Use PUT.", headers={"Allow": "PUT"})
    storage_upload_receive(
        token=token,
        stream=request,  # type: ignore[arg-type]  # HttpRequest is a file-like byte stream
        content_length=_content_length(request),
        content_type=request.META.get("CONTENT_TYPE", ""),
    )
    return HttpResponse(status=200)


def storage_download(request: HttpRequest, token: str, name: str | None = None) -> HttpResponseBase:
    """The credential-free download a vendor fetches."""
    if request.method not in {"GET", "HEAD"}:
        raise ApiError(405, "method_not_allowed", "Use GET.", headers={"Allow": "GET, HEAD"})
    handle, content_type, file_name = storage_download_open(token=token)
    inline = content_type.startswith(_INLINE_TYPES)
    response = FileResponse(
        handle,
        content_type=content_type if inline else OCTET_STREAM,
        as_attachment=not inline,
        filename=file_name,
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response
