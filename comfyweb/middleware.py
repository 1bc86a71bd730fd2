"""Turns ApiError (and Django's request-size errors) into the one error shape, for sync and async views."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import add_never_cache_headers

from comfyweb.errors import ApiError, error_response, internal_error_response, is_api_path

logger = logging.getLogger(__name__)

Handler = Callable[[HttpRequest], HttpResponse] | Callable[[HttpRequest], Awaitable[HttpResponse]]


def response_for_exception(request: HttpRequest, exc: Exception) -> HttpResponse | None:
    if isinstance(exc, ApiError):
        return exc.response()
    if not is_api_path(request.path):
        return None
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, "payload_too_large", "The request body is too large.")
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return error_response(400, "invalid_request", "The form has too many fields or files.")
    if isinstance(exc, Http404):
        return error_response(404, "not_found", "Not found.")
    if isinstance(exc, PermissionDenied):
        return error_response(403, "forbidden", "You may not do that.")
    if isinstance(exc, SuspiciousOperation):
        return error_response(400, "invalid_request", "The request was malformed.")
    return None


class HybridMiddleware:
    """A middleware that runs in sync and async stacks alike, without an adapter in between: `_is_async`
    says which one `get_response` belongs to, so `__call__` can hand over to an async path."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self._is_async = iscoroutinefunction(get_response)
        if self._is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        raise NotImplementedError


class ApiErrorMiddleware(HybridMiddleware):
    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self._is_async:
            return self._acall(request)
        response = self.get_response(request)
        assert isinstance(response, HttpResponseBase)
        return self._json_for_html_errors(request, response)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        response = await self.get_response(request)  # type: ignore[misc]
        return self._json_for_html_errors(request, response)

    @staticmethod
    def _json_for_html_errors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """Django's own 404/405/403 pages (unknown URL, require_POST, CSRF) become JSON on API paths."""
        if response.status_code < 400 or not is_api_path(request.path):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        kinds = {404: ("not_found", "Not found."), 405: ("method_not_allowed", "Method not allowed.")}
        error_type, message = kinds.get(response.status_code, ("error", response.reason_phrase or "Error."))
        replacement = error_response(response.status_code, error_type, message)
        if response.has_header("Allow"):
            replacement["Allow"] = response["Allow"]
        return replacement

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        response = response_for_exception(request, exception)
        if response is None and is_api_path(request.path):
            logger.error("Unhandled error on %s", request.path, exc_info=exception)
            return internal_error_response()
        return response


class SignedInNoStoreMiddleware(HybridMiddleware):
    """Every response to a signed-in browser is that user's own (balances, keys, usage, receipts): no
    shared or browser cache may keep it, so each one leaves with `Cache-Control: no-store` (never_cache's
    full header set). Runs after AuthenticationMiddleware; static files are answered before it."""

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self._is_async:
            return self._acall(request)
        response = self.get_response(request)
        assert isinstance(response, HttpResponseBase)
        return self._no_store(request, response)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        response = await self.get_response(request)  # type: ignore[misc]
        return self._no_store(request, response)

    @staticmethod
    def _no_store(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)  # a view that chose no-store itself keeps its own header
        return response


class FriendlyNotFoundMiddleware(HybridMiddleware):
    """With DEBUG on, Django answers an unknown page with its technical 404 (the URL list), ignoring
    handler404. Development is where newcomers click around first: they get the site's own page too.
    Only HTML page responses are replaced; API paths keep their JSON, and a response the site's own
    404 handler made is left alone."""

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self._is_async:
            return self._acall(request)
        response = self.get_response(request)
        assert isinstance(response, HttpResponseBase)
        return self._friendly(request) if self._technical(request, response) else response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = await self.get_response(request)  # type: ignore[misc]
        if not self._technical(request, response):
            return response
        friendly: HttpResponse = await sync_to_async(self._friendly)(request)  # renders with the user (DB)
        return friendly

    @staticmethod
    def _technical(request: HttpRequest, response: HttpResponseBase) -> bool:
        return (
            settings.DEBUG
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and not getattr(response, "site_page", False)
            and not is_api_path(request.path)
        )

    @staticmethod
    def _friendly(request: HttpRequest) -> HttpResponse:
        from comfyweb.handlers import not_found

        return not_found(request)
