"""Admin: prices (editable, versioned), the markup, and read-only usage records and vendor jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from nodes.models import Price, PriceVersion, PricingSettings, ProxyJob, UsageRecord
from nodes.services import price_version_copy

# Django's admin classes are generic only in the type stubs, not at run time.
if TYPE_CHECKING:
    PriceInlineBase = admin.TabularInline[Price, PriceVersion]
    VersionAdminBase = admin.ModelAdmin[PriceVersion]
    PriceAdminBase = admin.ModelAdmin[Price]
    SettingsAdminBase = admin.ModelAdmin[PricingSettings]
    AnyAdminBase = admin.ModelAdmin[Any]
else:
    PriceInlineBase = admin.TabularInline
    VersionAdminBase = PriceAdminBase = SettingsAdminBase = AnyAdminBase = admin.ModelAdmin


class PriceInline(PriceInlineBase):
    model = Price
    extra = 0
    fields = ("vendor", "key", "unit", "unit_micros", "free", "source")
    ordering = ("vendor", "key")


@admin.register(PriceVersion)
class PriceVersionAdmin(VersionAdminBase):
    list_display = ("label", "effective_from", "created_at")
    inlines = (PriceInline,)
    actions = ("copy_version",)

    @admin.action(description="Copy as a new version (effective in 24 h; edit it before then)")
    def copy_version(self, request: HttpRequest, queryset: QuerySet[PriceVersion]) -> None:
        for version in queryset:
            copy = price_version_copy(
                source=version,
                label=f"{version.label} (copy)",
                effective_from=timezone.now() + timedelta(days=1),
            )
            self.message_user(request, f"Created {copy}.", messages.SUCCESS)


@admin.register(Price)
class PriceAdmin(PriceAdminBase):
    list_display = ("vendor", "key", "unit", "unit_micros", "free", "version")
    list_filter = ("vendor", "version")
    search_fields = ("vendor", "key")


@admin.register(PricingSettings)
class PricingSettingsAdmin(SettingsAdminBase):
    list_display = ("markup_bps", "updated_at")
    fields = ("markup_bps",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not PricingSettings.objects.exists()

    def save_model(self, request: HttpRequest, obj: PricingSettings, form: Any, change: bool) -> None:
        obj.pk = 1
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(AnyAdminBase):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "user",
        "vendor",
        "model",
        "status",
        "quoted_micros",
        "charged_micros",
        "upstream_may_bill",
        "comfy_job_id",
    )
    list_filter = ("vendor", "status", "upstream_may_bill")
    search_fields = ("user__email", "comfy_job_id", "api_key_prefix", "=public_id")
    show_full_result_count = False


@admin.register(ProxyJob)
class ProxyJobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "vendor", "state", "last_status", "last_polled_at")
    list_filter = ("vendor", "state")
    search_fields = ("user__email", "vendor_job_id")
    exclude = ("poll_token",)
