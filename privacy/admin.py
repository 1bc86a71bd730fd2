"""Read-only admin lists of deletion requests and exports (operators look; the pipeline and the support
console act, so every change keeps its audit row)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from privacy.models import DataExport, DeletionRequest


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DeletionRequest)
class DeletionRequestAdmin(_ReadOnly):
    list_display = ("public_id", "user_id", "status", "step", "source", "due_at", "completed_at", "attempts")
    list_filter = ("status", "source")
    search_fields = ("public_id",)


@admin.register(DataExport)
class DataExportAdmin(_ReadOnly):
    list_display = ("public_id", "user_id", "status", "progress", "created_at", "expires_at", "size_bytes")
    list_filter = ("status",)
