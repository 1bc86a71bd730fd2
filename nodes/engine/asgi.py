"""A lean ASGI path for /proxy calls from ComfyUI backends and scripts (no `Origin` header).

Those calls need none of the browser middleware (sessions, messages, CSP, axes, devices, whitenoise), and
whitenoise, being sync-only, would pin a thread to every call for its whole duration, including the
minutes a vendor call can take (quality.md BM5). Browser requests (with an `Origin`) and every other path
take the full Django stack unchanged. What stays: Django's security headers, host validation
(CommonMiddleware → ALLOWED_HOSTS) and the one error shape (ApiErrorMiddleware); authentication and the
origin rules run in the view itself (comfyweb.auth).

It leans on three Django internals, checked against each Django upgrade: `BaseHandler.load_middleware`
(overridden to build the short chain), `BaseHandler._get_response_async` (the innermost handler that
resolves and calls the view) and `BaseHandler.adapt_method_mode` (wraps middleware hooks for async).
The system check `nodes.E010` refuses a Django outside SUPPORTED_DJANGO, and
tests/nodes/test_proxy_asgi.py compares this path's answers with the full stack's over the error matrix.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from asgiref.sync import markcoroutinefunction
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import ResolverMatch
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string

ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]
Scope = MutableMapping[str, Any]

PROXY_PREFIX = "/proxy/"
FAST_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "comfyweb.middleware.ApiErrorMiddleware",
    "django.middleware.common.CommonMiddleware",
)


class _Inline:
    """A Django `MiddlewareMixin` middleware whose hooks run inline on the event loop.

    Its own async path (`__acall__`) sends `process_request` and `process_response` to a thread each: two
    thread hops per request per middleware. SecurityMiddleware's and CommonMiddleware's hooks only read
    settings and headers (no I/O), so they run here directly.
    """

    def __init__(self, middleware: Any, get_response: Any) -> None:
        self.middleware = middleware
        self.get_response = get_response
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = (
            self.middleware.process_request(request) if hasattr(self.middleware, "process_request") else None
        )
        if response is None:
            response = await self.get_response(request)
        if hasattr(self.middleware, "process_response"):
            response = self.middleware.process_response(request, response)
        assert isinstance(response, HttpResponseBase)
        return response


# The Django releases whose handler internals this module was checked against (major, minor).
SUPPORTED_DJANGO = ((5, 2),)


class _ProxyHandler(ASGIHandler):
    """Django's ASGI handler (signals, URL routing) with a short chain.

    It also leaves out the per-request thread-sensitive context, which starts a new OS thread for every
    request: the view's database steps run on the shared pool (nodes.engine.dbsteps.db), and the few
    thread-sensitive leftovers (the request signals' connection check, closing the response) touch no
    database and run on asgiref's one shared thread.
    """

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        request.urlconf = "nodes.engine.urls"  # Django's per-request URLconf hook
        return super().resolve_request(request)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.handle(scope, receive, send)

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response_async)  # type: ignore[attr-defined]
        for path in reversed(FAST_MIDDLEWARE):
            instance = import_string(path)(handler)
            if isinstance(instance, MiddlewareMixin):
                instance = _Inline(instance, handler)  # no thread hops for its hooks
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(
                    0, self.adapt_method_mode(is_async=True, method=instance.process_view)
                )
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(
                    self.adapt_method_mode(is_async=False, method=instance.process_exception)
                )
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


def _has_origin(scope: Scope) -> bool:
    return any(name == b"origin" for name, _value in scope.get("headers", ()))


class ProxyFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.proxy = _ProxyHandler()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        lean = (
            scope["type"] == "http"
            and str(scope.get("path", "")).startswith(PROXY_PREFIX)
            and not _has_origin(scope)
        )
        if lean:
            await self.proxy(dict(scope), receive, send)
        else:
            await self.app(scope, receive, send)
