"""Browser pages of the nodes app: the public Pricing page and the signed-in Usage history."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


def pricing(request: HttpRequest) -> HttpResponse:
    return HttpResponse("pricing")


@login_required
def usage(request: HttpRequest) -> HttpResponse:
    return HttpResponse("usage")


@login_required
def usage_csv(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")
