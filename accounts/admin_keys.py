"""Admin for API keys (metadata only: never digests or plaintext) and authorized origins."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import ApiKey, AuthorizedOrigin
from accounts.origins import origin_parse
from accounts.services.api_keys import api_keys_revoke_for_admin

# Django's admin and form classes are generic only in the type stubs, not at run time.
if TYPE_CHECKING:
    ApiKeyAdminBase = admin.ModelAdmin[ApiKey]
    OriginAdminBase = admin.ModelAdmin[AuthorizedOrigin]
    OriginFormBase = forms.ModelForm[AuthorizedOrigin]
else:
    ApiKeyAdminBase = OriginAdminBase = admin.ModelAdmin
    OriginFormBase = forms.ModelForm


@admin.register(ApiKey)
class ApiKeyAdmin(ApiKeyAdminBase):
    # `digest` is deliberately absent from every list, form and search: staff never see key material.
    list_display = ("name", "user", "key_prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__email", "prefix")
    fields = (
        "public_id",
        "user",
        "name",
        "description",
        "key_prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    readonly_fields = fields
    list_select_related = ("user",)
    actions = ("revoke_keys",)

    @admin.display(description="Key")
    def key_prefix(self, obj: ApiKey) -> str:
        return f"comfyui-{obj.prefix}…"

    # Keys are created only by their owner (or the create_api_key command): the plaintext must reach
    # the person who will use it, never an admin page.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False  # revoke instead: the row keeps usage history readable

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        # Revoking is the one change staff may make; it needs the model's change permission.
        return request.user.has_perm("accounts.change_apikey")

    @admin.action(description="Revoke the selected keys", permissions=["revoke"])
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = api_keys_revoke_for_admin(keys=list(queryset))
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)


class AuthorizedOriginForm(OriginFormBase):
    class Meta:
        model = AuthorizedOrigin
        fields = ("origin", "note")

    def clean_origin(self) -> str:
        value: str = self.cleaned_data["origin"]  # already stripped by the form field
        parsed = origin_parse(value)
        if parsed is None or parsed[0] != "https":
            raise forms.ValidationError(
                "Enter exactly https://host or https://host:port — no path, no trailing slash."
            )
        _scheme, host, port = parsed
        if value != value.lower() or host.endswith("."):
            raise forms.ValidationError("Write the host in lower case, without a trailing dot.")
        if port == 443:
            raise forms.ValidationError("Leave out :443 — browsers never send the default port.")
        return value


@admin.register(AuthorizedOrigin)
class AuthorizedOriginAdmin(OriginAdminBase):
    form = AuthorizedOriginForm
    list_display = ("origin", "note", "created_at", "created_by")
    search_fields = ("origin", "note")
    readonly_fields = ("created_at", "created_by")

    def save_model(
        self,
        request: HttpRequest,
        obj: AuthorizedOrigin,
        form: forms.ModelForm[AuthorizedOrigin],
        change: bool,
    ) -> None:
        if not change and request.user.is_authenticated:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
