"""Password reset (by e-mail, no enumeration) and change (current password required)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.emails import base_url, password_changed_email_send
from accounts.forms import AccountPasswordChangeForm, AccountPasswordResetForm, AccountSetPasswordForm
from accounts.services.devices import device_rekey, devices_revoke_others
from accounts.services.login_throttle import throttle_clear
from accounts.services.users import email_normalize
from accounts.views.auth import signed_in_user

RESET_INTERVAL_SECONDS = 60


class PasswordResetView(auth_views.PasswordResetView):
    """Always the same answer, whether or not the address has an account."""

    form_class = AccountPasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_sent")

    def form_valid(self, form: Any) -> HttpResponse:
        # At most one e-mail per address per minute (no mailbox flooding); the answer stays the same.
        digest = hashlib.sha256(email_normalize(form.cleaned_data["email"]).encode()).hexdigest()
        if not cache.add(f"accounts:password-reset:{digest}", 1, RESET_INTERVAL_SECONDS):
            return HttpResponseRedirect(self.get_success_url())
        self.extra_email_context = {"base_url": base_url(self.request)}
        return super().form_valid(form)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = AccountSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        # Proving control of the mailbox lifts a login lockout (quality.md A5: the reset path), and a new
        # password ends every existing browser session.
        throttle_clear(user.email)
        devices_revoke_others(user=user, keep_session_key=None)
        password_changed_email_send(user=user, how="with a password-reset link", request=self.request)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@require_http_methods(["GET", "POST"])
def password_change_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = AccountPasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        form.save()
        old_key = request.session.session_key or ""
        signed_out = devices_revoke_others(user=user, keep_session_key=old_key)
        # Keeps this browser signed in with a fresh session id; the device row follows the new key.
        update_session_auth_hash(request, user)
        device_rekey(old_session_key=old_key, new_session_key=request.session.session_key or "")
        others = (
            f" {signed_out} other device{'s' if signed_out != 1 else ''} signed out." if signed_out else ""
        )
        password_changed_email_send(user=user, how="on the Settings page", request=request)
        messages.success(request, f"Password changed.{others}")
        return redirect("accounts:settings")
    return render(request, "accounts/password_change.html", {"form": form})
