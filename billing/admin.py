"""Read-only admin for the ledger; credits are granted and approved only through the services."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse

from accounts.models import User
from billing.errors import LedgerError
from billing.models import Grant, GrantStatus, Hold, LedgerAccount, LedgerEntry, LedgerTransaction
from billing.money import format_usd, usd_to_micros
from billing.selectors import wallet_get_for_user
from billing.services import credits_grant, credits_grant_approve

# Django's admin classes are generic only in the type stubs, not at run time.
if TYPE_CHECKING:
    AccountAdminBase = admin.ModelAdmin[LedgerAccount]
    TxnAdminBase = admin.ModelAdmin[LedgerTransaction]
    EntryAdminBase = admin.ModelAdmin[LedgerEntry]
    HoldAdminBase = admin.ModelAdmin[Hold]
    GrantAdminBase = admin.ModelAdmin[Grant]
    EntryInlineBase = admin.TabularInline[LedgerEntry, LedgerTransaction]
else:
    AccountAdminBase = TxnAdminBase = EntryAdminBase = HoldAdminBase = GrantAdminBase = admin.ModelAdmin
    EntryInlineBase = admin.TabularInline


class ReadOnlyMixin:
    """The ledger is append-only: the admin may look, never add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyMixin, AccountAdminBase):
    list_display = ("id", "kind", "code", "user", "status", "balance_usd", "held_usd", "version")
    list_filter = ("kind", "status")
    search_fields = ("user__email", "code")
    list_select_related = ("user",)

    @admin.display(description="balance")
    def balance_usd(self, obj: LedgerAccount) -> str:
        return format_usd(obj.balance_micros)

    @admin.display(description="held")
    def held_usd(self, obj: LedgerAccount) -> str:
        return format_usd(obj.held_micros)


class EntryInline(ReadOnlyMixin, EntryInlineBase):
    model = LedgerEntry
    fields = ("account", "amount_micros", "balance_before_micros", "balance_after_micros", "account_version")
    readonly_fields = fields
    extra = 0


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyMixin, TxnAdminBase):
    list_display = ("id", "code", "key", "wallet", "payment_reference", "created_at")
    list_filter = ("code",)
    search_fields = ("key", "payment_reference", "wallet__user__email")
    inlines = (EntryInline,)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyMixin, EntryAdminBase):
    list_display = ("id", "transaction", "account", "amount_micros", "balance_after_micros", "created_at")
    search_fields = ("account__user__email", "transaction__key")
    list_select_related = ("transaction", "account")


@admin.register(Hold)
class HoldAdmin(ReadOnlyMixin, HoldAdminBase):
    list_display = ("id", "wallet", "status", "amount_micros", "captured_micros", "expires_at", "memo")
    list_filter = ("status",)
    search_fields = ("key", "wallet__user__email", "memo")


class GrantForm(forms.Form):
    email = forms.EmailField(label="User e-mail")
    usd = forms.DecimalField(label="Amount (USD)", min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    reason = forms.CharField(max_length=500)
    ticket = forms.CharField(max_length=100)
    # Made when the form is shown: submitting the same form twice (a double click, a browser resend)
    # replays the first grant instead of granting again.
    key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def clean_email(self) -> User:
        user = User.objects.filter(email__iexact=self.cleaned_data["email"].strip()).first()
        if user is None:
            raise forms.ValidationError("No user with this e-mail.")
        return user


@admin.register(Grant)
class GrantAdmin(ReadOnlyMixin, GrantAdminBase):
    list_display = ("id", "wallet", "amount_usd", "status", "actor", "approver", "ticket", "created_at")
    list_filter = ("status",)
    search_fields = ("wallet__user__email", "ticket", "reason", "key")
    actions = ("approve_grants",)
    change_list_template = "admin/billing/grant/change_list.html"

    @admin.display(description="amount")
    def amount_usd(self, obj: Grant) -> str:
        return format_usd(obj.amount_micros)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.grant_view)
        return [path("new/", view, name="billing_grant_new"), *super().get_urls()]

    def grant_view(self, request: HttpRequest) -> HttpResponse:
        """Grant credits as the signed-in staff member, through the service (reason and ticket required)."""
        form = GrantForm(request.POST or None, initial={"key": uuid.uuid4()})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                grant = credits_grant(
                    wallet=wallet_get_for_user(user=data["email"]),
                    amount_micros=usd_to_micros(data["usd"]),
                    actor=request.user,  # type: ignore[arg-type]
                    reason=data["reason"],
                    ticket=data["ticket"],
                    key=f"admin-{data['key'] or uuid.uuid4()}",
                )
            except LedgerError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                pending = grant.status == GrantStatus.PENDING
                text = "awaits a second staff member's approval" if pending else "was credited"
                self.message_user(request, f"Grant {grant.pk} of {format_usd(grant.amount_micros)} {text}.")
                return HttpResponseRedirect(reverse("admin:billing_grant_changelist"))
        context = {**self.admin_site.each_context(request), "form": form, "title": "Grant credits"}
        return render(request, "admin/billing/grant/grant_form.html", context)

    @admin.action(description="Approve the selected pending grants")
    def approve_grants(self, request: HttpRequest, queryset: QuerySet[Grant]) -> None:
        for grant in queryset.filter(status=GrantStatus.PENDING):
            try:
                credits_grant_approve(grant=grant, approver=request.user)  # type: ignore[arg-type]
            except LedgerError as exc:
                self.message_user(request, f"Grant {grant.pk}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"Grant {grant.pk} approved and credited.")
