"""The one error shape (comfy-contract.md §3.4), produced here and nowhere else.

    {"error": {"type": "...", "message": "..."}, "message": "...", "code": "..."}

ComfyUI's API-node client reads `error.message` / `error.type`; the ComfyUI frontend reads `message` / `code`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

# Paths answered with JSON errors (never Django's HTML pages).
API_PATH_PREFIXES = ("/proxy/", "/customers", "/auth/", "/api/", "/billing/stripe/", "/storage/", "/sandbox/")


class ApiError(Exception):
    """Raise anywhere below a view to answer with the one error shape."""

    def __init__(
        self,
        status: int,
        error_type: str,
        message: str,
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.code = code or error_type.upper()
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def response(self) -> JsonResponse:
        return error_response(
            self.status, self.error_type, self.message, code=self.code, headers=self.headers, extra=self.extra
        )


def error_body(error_type: str, message: str, *, code: str | None = None) -> dict[str, Any]:
    return {
        "error": {"type": error_type, "message": message},
        "message": message,
        "code": code or error_type.upper(),
    }


def error_response(
    status: int,
    error_type: str,
    message: str,
    *,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JsonResponse:
    body = error_body(error_type, message, code=code)
    body.update(extra or {})
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def internal_error_response() -> JsonResponse:
    """The 500 of an API path: the same words whether a view raised or Django's handler500 answered."""
    return error_response(500, "internal_error", "Something went wrong on our side; nothing was charged.")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PATH_PREFIXES) or path in {"/customers", "/health", "/ready", "/releases"}


# Shorthands for the statuses every API shares (comfy-contract.md §3.4 status map).
def unauthorized(message: str = "A valid API key or platform token is required.") -> ApiError:
    return ApiError(401, "unauthorized", message)


def invalid_request(message: str) -> ApiError:
    return ApiError(400, "invalid_request", message)


def not_found(message: str = "Not found.") -> ApiError:
    return ApiError(404, "not_found", message)


def customer_not_found() -> ApiError:
    # The frontend's self-healing matches this message exactly (comfy-contract.md §3.3).
    return ApiError(409, "customer_not_found", "Failed to find customer", code="CUSTOMER_NOT_FOUND")


_DRF_TYPES: dict[type[drf_exceptions.APIException], tuple[int, str]] = {
    drf_exceptions.ParseError: (400, "invalid_json"),
    drf_exceptions.ValidationError: (400, "invalid_request"),
    drf_exceptions.NotAuthenticated: (401, "unauthorized"),
    drf_exceptions.AuthenticationFailed: (401, "unauthorized"),
    drf_exceptions.PermissionDenied: (403, "forbidden"),
    drf_exceptions.NotFound: (404, "not_found"),
    drf_exceptions.MethodNotAllowed: (405, "method_not_allowed"),
    drf_exceptions.NotAcceptable: (406, "not_acceptable"),
    drf_exceptions.UnsupportedMediaType: (415, "unsupported_media_type"),
    drf_exceptions.Throttled: (429, "rate_limited"),
}


def _validation_message(detail: Any) -> str:
    """Flatten DRF's nested validation detail into one readable sentence."""
    if isinstance(detail, dict):
        parts = []
        for field, value in detail.items():
            text = _validation_message(value)
            parts.append(text if field == "non_field_errors" else f"{field}: {text}")
        return "; ".join(parts)
    if isinstance(detail, list):
        return " ".join(_validation_message(item) for item in detail)
    return str(detail)


def drf_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every DRF error leaves in the one shape, never as `{"detail": ...}`."""
    if isinstance(exc, ApiError):
        response = Response(
            error_body(exc.error_type, exc.message, code=exc.code) | exc.extra, status=exc.status
        )
        for name, value in exc.headers.items():
            response[name] = value
        return response
    if not isinstance(exc, drf_exceptions.APIException):
        return None
    status, error_type = next(
        (mapped for cls, mapped in _DRF_TYPES.items() if isinstance(exc, cls)),
        (exc.status_code, "invalid_request"),
    )
    message = _validation_message(exc.detail)
    response = Response(error_body(error_type, message), status=status)
    wait = getattr(exc, "wait", None)
    if isinstance(exc, drf_exceptions.Throttled) and wait is not None:
        response["Retry-After"] = str(max(1, min(150, int(wait))))
    return response
