"""Read-only admin views of purchases, the Stripe event log and charge adjustments (support looks, never
edits: every change goes through the services)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from billing.payments.models import (
    AutoTopUp,
    ChargeState,
    LowBalanceAlert,
    Purchase,
    StripeCustomer,
    StripeEvent,
)

# Django's admin classes are generic only in the type stubs, not at run time.
if TYPE_CHECKING:
    PurchaseAdminBase = admin.ModelAdmin[Purchase]
    StripeEventAdminBase = admin.ModelAdmin[StripeEvent]
    ChargeStateAdminBase = admin.ModelAdmin[ChargeState]
else:
    PurchaseAdminBase = StripeEventAdminBase = ChargeStateAdminBase = admin.ModelAdmin


@admin.register(Purchase)
class PurchaseAdmin(PurchaseAdminBase):
    list_display = (
        "public_id",
        "user",
        "kind",
        "gateway",
        "amount_micros",
        "status",
        "created_at",
        "paid_at",
    )
    list_filter = ("status", "kind", "gateway")
    search_fields = ("public_id", "checkout_session_id", "payment_intent_id", "user__email")
    readonly_fields = [f.name for f in Purchase._meta.fields]


@admin.register(StripeEvent)
class StripeEventAdmin(StripeEventAdminBase):
    list_display = ("event_id", "type", "status", "attempts", "received_at", "processed_at")
    list_filter = ("status", "type")
    search_fields = ("event_id",)
    readonly_fields = [f.name for f in StripeEvent._meta.fields]


@admin.register(ChargeState)
class ChargeStateAdmin(ChargeStateAdminBase):
    list_display = ("payment_intent_id", "refunded_micros_seen", "dispute_status", "clawed_back_micros")
    search_fields = ("payment_intent_id", "charge_id", "dispute_id")
    readonly_fields = [f.name for f in ChargeState._meta.fields]


admin.site.register(StripeCustomer)
admin.site.register(AutoTopUp)
admin.site.register(LowBalanceAlert)
