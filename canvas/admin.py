"""Admin: the pool's backends (editable) and sessions (read-only, with an End action)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from canvas.models import LIVE_STATUSES, CanvasBackend, CanvasSession

if TYPE_CHECKING:
    BackendAdminBase = admin.ModelAdmin[CanvasBackend]
    SessionAdminBase = admin.ModelAdmin[CanvasSession]
else:
    BackendAdminBase = SessionAdminBase = admin.ModelAdmin


@admin.register(CanvasBackend)
class CanvasBackendAdmin(BackendAdminBase):
    list_display = ("label", "url", "price_per_minute_micros", "enabled", "healthy", "last_checked_at")
    list_filter = ("enabled", "healthy")
    readonly_fields = ("healthy", "last_checked_at", "created_at")


@admin.register(CanvasSession)
class CanvasSessionAdmin(SessionAdminBase):
    list_display = (
        "public_id",
        "user",
        "status",
        "spawner",
        "backend",
        "created_at",
        "ended_at",
        "end_reason",
    )
    list_filter = ("status", "spawner", "end_reason")
    search_fields = ("public_id", "user__email")
    actions = ("end_sessions",)
    exclude = ("key_salt", "ticket_digest")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in CanvasSession._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="End the selected live sessions")
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[CanvasSession]) -> None:
        from canvas.services import session_end_by_operator

        actor = request.user if isinstance(request.user, User) else None
        ended = 0
        for session in queryset.filter(status__in=LIVE_STATUSES):
            ended += session_end_by_operator(session=session, actor=actor, note="admin action")
        self.message_user(request, f"Ended {ended} session(s).", messages.SUCCESS)
