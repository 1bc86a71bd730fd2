"""handler404/handler500: JSON in the one error shape on API paths, the site's HTML pages elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.csrf import csrf_failure as django_csrf_failure

from comfyweb.errors import error_response, internal_error_response, is_api_path


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_path(request.path):
        return error_response(404, "not_found", "Not found.")
    response = render(request, "404.html", status=404)
    response.site_page = True  # type: ignore[attr-defined] # FriendlyNotFoundMiddleware leaves it be
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_path(request.path):
        return internal_error_response()
    return render(request, "500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: API clients get JSON they can read; browser pages keep Django's own page."""
    if is_api_path(request.path):
        return error_response(
            403, "csrf_failed", "This request needs the platform's CSRF token (sign-in pages only)."
        )
    return django_csrf_failure(request, reason=reason)
