"""Admin for users and devices.

Staff can find users (by e-mail, name or customer id) and see their devices, but never set a password:
users choose their own through the reset e-mail (quality.md A-15); operators can use `manage.py
changepassword` on the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashField, ReadOnlyPasswordHashWidget
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from accounts.devices import client_ip
from accounts.models import Device, User
from billing.money import format_credits, format_usd
from billing.selectors import wallet_balance, wallet_get_for_user
from privacy.models import DeletionSource, DeletionStatus
from privacy.selectors import deletion_request_open_for_user
from privacy.services.deletion import DeletionError, deletion_request_create
from privacy.services.pipeline import deletion_run_now

if TYPE_CHECKING:
    # The generic forms exist only for the type checker (no django-stubs-ext at runtime).
    UserFormBase = forms.ModelForm[User]
    DeviceInlineBase = admin.TabularInline[Device, User]
    DeviceAdminBase = admin.ModelAdmin[Device]
    UserAdminBase = DjangoUserAdmin[User]
else:
    UserFormBase = forms.ModelForm
    DeviceInlineBase = admin.TabularInline
    DeviceAdminBase = admin.ModelAdmin
    UserAdminBase = DjangoUserAdmin


class PasswordHashWidget(ReadOnlyPasswordHashWidget):
    """Django's usual hash summary (algorithm, salt and hash abbreviated), without the set-password button."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        summary = self.get_context(name, value, attrs)["summary"]
        parts = [
            format_html(
                "<strong>{}</strong>{}", entry["label"], f": {entry['value']}" if entry.get("value") else ""
            )
            for entry in summary
        ]
        return format_html("<div><p>{}</p></div>", mark_safe(" ".join(parts)))  # noqa: S308 - escaped above


class UserChangeForm(UserFormBase):
    password = ReadOnlyPasswordHashField(
        label="Password",
        widget=PasswordHashWidget,
        help_text="Only a hash is stored. Users set their password themselves (password reset e-mail).",
    )

    class Meta:
        model = User
        fields = (
            "email",
            "password",
            "name",
            "email_verified_at",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
            "last_login",
            "date_joined",
        )


class UserCreationForm(UserFormBase):
    """A new user gets no usable password; they choose one through "Forgot your password?"."""

    class Meta:
        model = User
        fields = ("email", "name")

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


class DeviceInline(DeviceInlineBase):
    model = Device
    extra = 0
    can_delete = False
    fields = ("public_id", "user_agent", "ip_address", "created_at", "last_seen_at", "revoked_at")
    readonly_fields = fields
    ordering = ("-last_seen_at",)
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(UserAdminBase):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ("email", "name", "public_id", "is_verified", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser", "email_verified_at")
    search_fields = ("email", "name", "=public_id")
    ordering = ("-date_joined",)
    readonly_fields = ("public_id", "date_joined", "last_login", "email_verified_at")
    fieldsets = (
        (None, {"fields": ("email", "password", "public_id")}),
        ("Profile", {"fields": ("name", "email_verified_at")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name")}),)
    filter_horizontal = ("groups", "user_permissions")
    inlines = (DeviceInline,)

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type[Any]]:
        return list(self.inlines) if obj is not None else []  # a new user has no devices yet

    @admin.display(boolean=True, description="Verified")
    def is_verified(self, obj: User) -> bool:
        return obj.is_verified

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # accounts go through the deletion pipeline, one at a time
        return actions

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Deleting a user here starts the deletion pipeline (privacy.services.pipeline), scheduled or now:
        the ledger rows are protected from deletion, and the user must be pseudonymised, not removed."""
        user = self.get_object(request, unquote(object_id))
        if user is None:
            raise Http404("No such user.")
        if not self.has_delete_permission(request, user):
            raise PermissionDenied
        change_url = reverse("admin:accounts_user_change", args=[user.pk])
        if request.method == "POST":
            return self._request_deletion(
                request, user, now=request.POST.get("when") == "now", back=change_url
            )
        balance = wallet_balance(wallet=wallet_get_for_user(user=user)).balance_micros
        context = {
            **self.admin_site.each_context(request),
            "title": "Delete this account",
            "opts": self.opts,
            "object": user,
            "open_request": deletion_request_open_for_user(user=user),
            "balance_credits": format_credits(balance),
            "balance_usd": format_usd(balance),
            "grace_hours": settings.DELETION_GRACE_HOURS,
            "retention_years": settings.ACCOUNTING_RETENTION_YEARS,
        }
        return TemplateResponse(request, "admin/accounts/user/request_deletion.html", context)

    def _request_deletion(self, request: HttpRequest, user: User, *, now: bool, back: str) -> HttpResponse:
        staff = request.user
        assert isinstance(staff, User)
        try:
            deletion = deletion_request_create(
                user=user, source=DeletionSource.OPERATOR, actor=staff, ip_address=client_ip(request)
            )
        except DeletionError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return redirect(back)
        if now:
            deletion = deletion_run_now(request=deletion)
            state = deletion.get_status_display().lower()
            detail = "" if deletion.status == DeletionStatus.COMPLETED else f": {deletion.last_error}"
            self.message_user(request, f"Deletion {deletion.public_id} is {state}{detail}.")
        else:
            self.message_user(
                request, f"Deletion {deletion.public_id} scheduled for {deletion.due_at:%Y-%m-%d %H:%M} UTC."
            )
        return redirect(back)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:  # noqa: A002
        raise PermissionDenied("Passwords are set by their owners, through the reset e-mail.")


@admin.register(Device)
class DeviceAdmin(DeviceAdminBase):
    list_display = ("user", "user_agent", "ip_address", "created_at", "last_seen_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__email", "=public_id", "ip_address")
    list_select_related = ("user",)
    # session_key is left out on purpose: it is a live credential for the browser it belongs to.
    fields = ("public_id", "user", "user_agent", "ip_address", "created_at", "last_seen_at", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
