"""The one request-authentication path for every API (comfy-contract.md §2.2, design.md origin table).

1. `Authorization: Bearer <token>` wins: only comfyweb's own platform tokens are accepted; anything else
   (a comfy.org Firebase ID token, a Cloud workspace JWT, garbage) is a 401, and the API key is then not
   looked at — exactly what ComfyUI's client expects.
2. Otherwise `X-API-KEY`.
3. Cookies and sessions are never credentials here (quality.md A-11): only headers count.

The browser origin decides which credentials may be used (accounts.origins): a platform token from an
https origin that is not on the authorized list is refused with 403 `origin_not_authorized`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from asgiref.sync import sync_to_async
from django.http import HttpRequest

from accounts import origins
from accounts.models import ApiKey, Device, User
from accounts.selectors import api_key_find_live
from accounts.services.api_keys import KEY_PREFIX, api_key_is_well_formed, api_key_touch
from accounts.tokens import InvalidTokenError, TokenClaims, token_claims, token_looks_like_ours, token_resolve
from comfyweb.errors import ApiError, unauthorized

Credential = Literal["api_key", "token", "session"]


@dataclass(frozen=True)
class Principal:
    user: User
    credential: Credential
    api_key: ApiKey | None = None  # set when credential == "api_key"
    device: Device | None = None  # set when credential == "token" (platform bearer token)


@dataclass(frozen=True)
class _Presented:
    """What the request carried, checked for format only (no database yet)."""

    kind: Literal["token", "api_key"]
    claims: TokenClaims | None = None
    api_key: str = ""


_MISSING = "Sign in to use this: send your API key in the X-API-KEY header (or a platform token)."
_BAD_KEY = "The API key is not valid. Keys look like comfyui- followed by 64 letters and digits."
_UNKNOWN_KEY = "The API key is unknown, revoked or expired. Create a new one on the platform's Keys page."
_FOREIGN_BEARER = (
    "The Bearer token was not issued by this platform (a comfy.org sign-in token?). Sign out of the "
    "comfy.org account in ComfyUI and use 'Log in with API key' with a key from this platform."
)
_BAD_BEARER = "The platform token is invalid or expired, or its browser was signed out. Sign in again."


def _origin_error(kind: origins.OriginKind, request: HttpRequest) -> ApiError | None:
    origin = request.headers.get("Origin", "")
    if kind == "insecure":
        return ApiError(403, "insecure_origin", origins.INSECURE_ORIGIN_MESSAGE.format(origin=origin))
    if kind == "refused":
        return ApiError(403, "origin_not_allowed", origins.REFUSED_ORIGIN_MESSAGE.format(origin=origin[:100]))
    return None


def _bearer_value(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        raise unauthorized("Only 'Authorization: Bearer <token>' or an X-API-KEY header is accepted.")
    return value.strip()


def _presented(request: HttpRequest, kind: origins.OriginKind) -> _Presented:
    """Pick and format-check the credential; every refusal here costs no database query."""
    origin_error = _origin_error(kind, request)
    if origin_error is not None:
        raise origin_error
    bearer = _bearer_value(request)
    if bearer is not None:
        if bearer.startswith(KEY_PREFIX):
            raise unauthorized("Send API keys in the X-API-KEY header, not as a Bearer token.")
        if not token_looks_like_ours(bearer):
            raise unauthorized(_FOREIGN_BEARER)
        if kind == "other_https":
            origin = request.headers.get("Origin", "")
            raise ApiError(403, "origin_not_authorized", origins.BEARER_ORIGIN_MESSAGE.format(origin=origin))
        try:
            return _Presented(kind="token", claims=token_claims(bearer))
        except InvalidTokenError as exc:
            raise unauthorized(_BAD_BEARER) from exc
    key = request.headers.get("X-API-KEY")
    if key is None or key == "":
        raise unauthorized(_MISSING)
    if not api_key_is_well_formed(key):
        raise unauthorized(_BAD_KEY)
    return _Presented(kind="api_key", api_key=key)


def _resolve(presented: _Presented) -> Principal:
    """The database half: find the live key or device and its active user."""
    if presented.kind == "token":
        assert presented.claims is not None
        try:
            user, device = token_resolve(presented.claims)
        except InvalidTokenError as exc:
            raise unauthorized(_BAD_BEARER) from exc
        return Principal(user=user, credential="token", device=device)
    api_key = api_key_find_live(plaintext=presented.api_key)
    if api_key is None:
        raise unauthorized(_UNKNOWN_KEY)
    api_key_touch(api_key=api_key)
    return Principal(user=api_key.user, credential="api_key", api_key=api_key)


@dataclass(frozen=True)
class CredentialIdentity:
    """Who a request says it is, read from its headers alone (no database, nothing trusted yet): enough
    to count it against rate limits before any database work."""

    user_public_id: str = ""  # a valid platform token's user
    key_digest: str = ""  # an API key's digest (never the key itself, nor its shown prefix)


def credential_identity(request: HttpRequest) -> CredentialIdentity:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and token_looks_like_ours(value.strip()):
        try:
            return CredentialIdentity(user_public_id=str(token_claims(value.strip()).user_public_id))
        except InvalidTokenError:
            return CredentialIdentity()
    key = request.headers.get("X-API-KEY") or ""
    if not header and api_key_is_well_formed(key):
        return CredentialIdentity(key_digest=key_digest(key))
    return CredentialIdentity()


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def authenticate_request(request: HttpRequest) -> Principal:
    """Who is calling. Raises ApiError 401 (no/invalid credential), 403 (origin rules)."""
    return _resolve(_presented(request, origins.request_origin_kind(request)))


async def aauthenticate_request(request: HttpRequest) -> Principal:
    """Same for async views (the /proxy engine). The format checks run in the event loop; the database
    work runs in the thread-sensitive executor (one shared thread, not one thread per request)."""
    kind = await origins.arequest_origin_kind(request)
    presented = _presented(request, kind)
    return await sync_to_async(_resolve)(presented)
