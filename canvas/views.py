"""The platform-side pages: "Open ComfyUI", the start page with its progress, and the hand-over to the
canvas origin (a one-time ticket in a redirect). All on the platform's origin, signed-in users only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from canvas.models import LIVE_STATUSES
from canvas.payloads import session_payload
from canvas.selectors import session_get_for_user, sessions_for_user
from canvas.services import session_create, session_end_for_user, session_refresh, session_url, ticket_issue
from comfyweb.errors import ApiError


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_GET
def canvas_home(request: HttpRequest) -> HttpResponse:
    sessions = list(sessions_for_user(user=_user(request)))
    live = next((s for s in sessions if s.status in LIVE_STATUSES), None)
    return render(request, "canvas/home.html", {"sessions": sessions, "live": live})


@login_required
@require_POST
def canvas_start(request: HttpRequest) -> HttpResponse:
    try:
        session, _created = session_create(user=_user(request))
    except ApiError as error:
        return render(
            request, "canvas/home.html", {"sessions": [], "error": error.message}, status=error.status
        )
    return redirect("canvas-session", session_id=session.public_id)


@login_required
@require_GET
def canvas_session(request: HttpRequest, session_id: str) -> HttpResponse:
    session = session_get_for_user(user=_user(request), session_public_id=session_id)
    return render(request, "canvas/session.html", {"session": session})


@never_cache
@login_required
@require_GET
def canvas_status(request: HttpRequest, session_id: str) -> JsonResponse:
    session = session_get_for_user(user=_user(request), session_public_id=session_id)
    return JsonResponse(session_payload(session_refresh(session=session)))


@never_cache
@login_required
@require_GET
def canvas_open(request: HttpRequest, session_id: str) -> HttpResponse:
    """Hand the browser to the canvas origin with a fresh one-time ticket."""
    session = session_get_for_user(user=_user(request), session_public_id=session_id)
    if session.status not in LIVE_STATUSES:
        return redirect("canvas-session", session_id=session.public_id)
    response = HttpResponseRedirect(session_url(session, ticket_issue(session=session)))
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_POST
def canvas_end(request: HttpRequest, session_id: str) -> HttpResponse:
    session_end_for_user(user=_user(request), session_public_id=session_id)
    return redirect("canvas-home")
