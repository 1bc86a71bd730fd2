"""The browser Keys page: list, create (plaintext shown once), revoke with confirmation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from accounts.selectors import api_key_get_for_user, api_keys_for_user, api_keys_live_for_user
from accounts.services.api_keys import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH, api_key_create, api_key_revoke
from accounts.views.auth import signed_in_user
from billing.money import usd_to_micros
from comfyweb.errors import ApiError

NEW_KEY_SESSION = "accounts:new-api-key"
EXPIRY_CHOICES = [
    ("", "Never"),
    ("7", "In 7 days"),
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("365", "In 1 year"),
]


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX_LENGTH, help_text="Where you use it, e.g. 'Studio PC'.")
    description = forms.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    expires_in_days = forms.TypedChoiceField(
        choices=EXPIRY_CHOICES, required=False, coerce=int, empty_value=None, label="Expires"
    )
    spend_limit_usd = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("100000"),
        decimal_places=2,
        label="Spending limit (USD)",
        help_text="Optional: the most this key may ever spend. Leave empty for no limit beyond your balance.",
    )


def _list_context(user: User, form: ApiKeyForm) -> dict[str, object]:
    live = api_keys_live_for_user(user=user)
    return {
        "keys": api_keys_for_user(user=user),
        "form": form,
        "now": timezone.now(),
        "can_create": user.is_verified and live.count() < settings.API_KEYS_MAX_LIVE_PER_USER,
        "max_keys": settings.API_KEYS_MAX_LIVE_PER_USER,
        "public_base_url": settings.PUBLIC_BASE_URL,
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def keys_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        limit = form.cleaned_data["spend_limit_usd"]
        try:
            api_key, plaintext = api_key_create(
                user=user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                expires_at=timezone.now() + timedelta(days=days) if days else None,
                spend_limit_micros=usd_to_micros(limit) if limit is not None else None,
            )
        except ApiError as exc:
            form.add_error(None, exc.message)
        else:
            # POST/redirect/GET: reloading the page that shows the key must not create another one.
            # The plaintext waits in the server-side session for that one GET, which removes it; it is
            # never in a cookie, a URL or a log.
            request.session[NEW_KEY_SESSION] = {"id": str(api_key.public_id), "plaintext": plaintext}
            return redirect("key-created")
    status = 400 if request.method == "POST" else 200
    return render(request, "keys/list.html", _list_context(user, form), status=status)


@login_required
@never_cache
@require_GET
def key_created(request: HttpRequest) -> HttpResponse:
    """The new key, shown once: the session hands it over and forgets it."""
    user = signed_in_user(request)
    new = request.session.pop(NEW_KEY_SESSION, None)
    api_key = None
    if isinstance(new, dict):
        try:
            api_key = api_key_get_for_user(user=user, key_public_id=str(new.get("id")))
        except ApiError:
            api_key = None
    if api_key is None or not isinstance(new, dict):
        messages.info(
            request, "A new key is shown only once. If you did not copy it, revoke it and create another."
        )
        return redirect("keys")
    context = {"api_key": api_key, "plaintext": new["plaintext"], "public_base_url": settings.PUBLIC_BASE_URL}
    return render(request, "keys/created.html", context)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def key_revoke(request: HttpRequest, key_id: UUID) -> HttpResponse:
    user = signed_in_user(request)
    try:
        api_key = api_key_get_for_user(user=user, key_public_id=key_id)
    except ApiError as exc:
        raise Http404("No such API key.") from exc
    if request.method == "POST":
        api_key_revoke(user=user, key_public_id=key_id)
        messages.success(request, f"The key “{api_key.name}” was revoked. It stops working immediately.")
        return redirect("keys")
    return render(request, "keys/revoke.html", {"api_key": api_key})
