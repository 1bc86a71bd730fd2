"""Liveness and readiness: `/health` is what ComfyUI probes at the origin root after a connection failure."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from comfyweb.errors import error_response


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        return error_response(
            503, "not_ready", "The database is not reachable.", headers={"Retry-After": "5"}
        )
    return JsonResponse({"status": "ready", "database": connection.vendor})


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def faq(request: HttpRequest) -> HttpResponse:
    return render(request, "faq.html")


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico whatever the page says (the admin, JSON replies, a 404).

    The static URL is looked up per request, not at import: under the manifest storage of production the
    name exists only after `collectstatic`, and `check --deploy` imports the URLconf before that.
    """
    return HttpResponsePermanentRedirect(static("img/favicon.ico"))
