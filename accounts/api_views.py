"""The `/customers` family (comfy-contract.md §8.1 #1, #6-#9, #11) and `POST /auth/token`.

Thin views: authentication is `comfyweb.auth.authenticate_request` (headers only, never cookies), errors
are ApiError (the one shape), writes go through services.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiKey, Device, User
from accounts.selectors import api_keys_live_for_user
from accounts.services.api_keys import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH, api_key_create, api_key_revoke
from accounts.services.customers import customer_ensure, customer_payload
from accounts.tokens import token_expires_at, token_issue
from comfyweb.auth import Principal, authenticate_request
from comfyweb.errors import ApiError, customer_not_found, unauthorized
from comfyweb.times import rfc3339
from nodes.quotes import quote_calls

# --- Strict input ----------------------------------------------------------------------------------------


class StrictCharField(serializers.CharField):
    """A string and only a string: DRF's CharField would quietly accept 12 or 1.5 and str() them."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer and only that: not "12", 12.0 or true."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class StrictSerializer(serializers.Serializer[Any]):
    """Unknown fields are an error, not silently dropped (quality.md B-12)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["A JSON object was expected."]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            names = ", ".join(repr(name[:40]) for name in unknown[:5])
            raise serializers.ValidationError({"non_field_errors": [f"Unknown field(s): {names}."]})
        return super().to_internal_value(data)


class CustomerCreateIn(StrictSerializer):
    signup_source = StrictCharField(required=False, max_length=64, allow_blank=True)
    turnstile_token = StrictCharField(required=False, max_length=4096, allow_blank=True)


class ApiKeyCreateIn(StrictSerializer):
    name = StrictCharField(max_length=NAME_MAX_LENGTH)
    description = StrictCharField(required=False, max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True)
    # As on /keys: an optional expiry and an optional lifetime spending limit (micro-USD, $0.01 to $100,000).
    expires_in_days = StrictIntegerField(required=False, min_value=1, max_value=3650)
    spend_limit_micros = StrictIntegerField(required=False, min_value=10_000, max_value=100_000_000_000)


def _validated(serializer_class: type[StrictSerializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- Base view -------------------------------------------------------------------------------------------


class PlatformApiView(APIView):
    """An API endpoint authenticated by header credentials only (never the session cookie)."""

    principal: Principal

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method in {"POST", "PUT", "PATCH"}:
            # DRF reads the raw stream, which skips Django's DATA_UPLOAD_MAX_MEMORY_SIZE check; reading
            # `body` first applies it (RequestDataTooBig → 413 in the one error shape).
            _ = request._request.body
        super().initial(request, *args, **kwargs)
        self.principal = authenticate_request(request._request)


def _api_key_payload(api_key: ApiKey) -> dict[str, Any]:
    return {
        "id": str(api_key.public_id),
        "name": api_key.name,
        "description": api_key.description,
        "key_prefix": f"comfyui-{api_key.prefix}",
        "created_at": rfc3339(api_key.created_at),
        "expires_at": rfc3339(api_key.expires_at) if api_key.expires_at else None,
        "spend_limit_micros": api_key.spend_limit_micros,
    }


# --- /customers ------------------------------------------------------------------------------------------


class CustomersView(PlatformApiView):
    """`POST /customers`: idempotent; 201 on the first call for this user, 200 afterwards."""

    def post(self, request: Request) -> Response:
        # signup_source / turnstile_token are accepted and validated, but not needed: the account
        # already exists (it was created on the platform, where the bot check happens).
        _validated(CustomerCreateIn, request.data)
        user: User = self.principal.user
        created = customer_ensure(user=user)
        return Response(customer_payload(user=user), status=201 if created else 200)


class CustomerMeView(PlatformApiView):
    def get(self, request: Request) -> Response:
        user: User = self.principal.user
        if user.customer_created_at is None:
            raise customer_not_found()  # the frontend's self-healing then calls POST /customers
        return Response(customer_payload(user=user))


class ApiKeysView(PlatformApiView):
    def get(self, request: Request) -> Response:
        keys = api_keys_live_for_user(user=self.principal.user)
        return Response({"api_keys": [_api_key_payload(key) for key in keys]})

    def post(self, request: Request) -> Response:
        data = _validated(ApiKeyCreateIn, request.data)
        days = data.get("expires_in_days")
        api_key, plaintext = api_key_create(
            user=self.principal.user,
            name=data["name"],
            description=data.get("description", ""),
            expires_at=timezone.now() + timedelta(days=days) if days else None,
            spend_limit_micros=data.get("spend_limit_micros"),
        )
        response = Response(
            {"api_key": {**_api_key_payload(api_key), "plaintext_key": plaintext}}, status=201
        )
        response["Cache-Control"] = "no-store"
        return response


class QuoteView(PlatformApiView):
    """`POST /customers/quote`: what API-node calls would hold, priced like `/proxy`; nothing is reserved."""

    def post(self, request: Request) -> Response:
        data = request.data
        if not isinstance(data, dict) or set(data) != {"calls"}:
            raise ApiError(400, "invalid_request", 'Send {"calls": [{"method", "path", "body"}, …]}.')
        response = Response({"calls": quote_calls(data["calls"])})
        response["Cache-Control"] = "no-store"
        return response


class ApiKeyDetailView(PlatformApiView):
    def delete(self, request: Request, key_id: str) -> Response:
        api_key_revoke(user=self.principal.user, key_public_id=key_id)
        return Response(status=204)


@csrf_exempt  # no credential, no state: every other method is a JSON 405, never the HTML CSRF page
def releases(request: HttpRequest) -> JsonResponse:
    """`GET /releases` (no auth): the release-notes feed; an empty list is a safe answer."""
    if request.method not in {"GET", "HEAD"}:
        raise ApiError(405, "method_not_allowed", "Method not allowed.", headers={"Allow": "GET, HEAD"})
    return JsonResponse([], safe=False)


# --- /auth/token -----------------------------------------------------------------------------------------


@never_cache
@require_POST
def auth_token(request: HttpRequest) -> JsonResponse:
    """A short-lived bearer token for the signed-in browser that asks.

    Session-only and CSRF-protected (a plain Django view, so CsrfViewMiddleware applies); state-changing
    requests a browser labels cross-site are refused outright (quality.md A-11)."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise ApiError(403, "forbidden", "Tokens are only issued to the platform's own pages.")
    if not request.user.is_authenticated or not request.user.is_active:
        raise unauthorized("Sign in on the platform first.")
    assert isinstance(request.user, User)
    device = Device.objects.filter(
        user=request.user, session_key=request.session.session_key or "", revoked_at__isnull=True
    ).first()
    if device is None:
        raise unauthorized("This browser's sign-in is not active any more. Sign in again.")
    # Signatures carry whole seconds: count the lifetime from the start of this second, never later.
    issued_at = timezone.now().replace(microsecond=0)
    token = token_issue(user=request.user, device=device)
    expires_at = rfc3339(token_expires_at(issued_at=issued_at))
    return JsonResponse({"token": token, "expires_at": expires_at})
