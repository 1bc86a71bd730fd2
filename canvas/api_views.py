"""`/customers/canvas-sessions`: hosted ComfyUI sessions for scripts (API key or platform token).

POST answers `{id, status, url}` (+ details); the `url` carries a one-time ticket (valid
CANVAS_TICKET_TTL_SECONDS) that opens the canvas in a browser. A session's own injected key cannot
manage sessions: a page's JavaScript must not be able to open more of them.
"""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_views import PlatformApiView, StrictSerializer, _validated
from canvas.models import LIVE_STATUSES
from canvas.payloads import session_payload
from canvas.selectors import session_get_for_user, sessions_for_user
from canvas.services import (
    session_create,
    session_end_for_user,
    session_refresh,
    session_url,
    ticket_issue,
)
from comfyweb.errors import ApiError


class SessionCreateIn(StrictSerializer):
    pass


class CanvasApiView(PlatformApiView):
    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        api_key = self.principal.api_key
        if (
            api_key is not None
            and api_key.spend_limit_micros is not None
            and hasattr(api_key, "canvas_session")
        ):
            raise ApiError(403, "forbidden", "A hosted session's own key cannot manage hosted sessions.")


class CanvasSessionsView(CanvasApiView):
    def get(self, request: Request) -> Response:
        sessions = sessions_for_user(user=self.principal.user)
        return Response({"sessions": [session_payload(session) for session in sessions]})

    def post(self, request: Request) -> Response:
        _validated(SessionCreateIn, request.data if request.data else {})
        session, created = session_create(user=self.principal.user)
        url = session_url(session, ticket_issue(session=session)) if session.status in LIVE_STATUSES else None
        response = Response(session_payload(session, url=url), status=201 if created else 200)
        response["Cache-Control"] = "no-store"
        return response


class CanvasSessionView(CanvasApiView):
    def get(self, request: Request, session_id: str) -> Response:
        session = session_get_for_user(user=self.principal.user, session_public_id=session_id)
        session = session_refresh(session=session)
        url = session_url(session, ticket_issue(session=session)) if session.status in LIVE_STATUSES else None
        response = Response(session_payload(session, url=url))
        response["Cache-Control"] = "no-store"
        return response

    def delete(self, request: Request, session_id: str) -> Response:
        session = session_end_for_user(user=self.principal.user, session_public_id=session_id)
        return Response(session_payload(session))
