"""E-mail verification: the signed link, and "send it again"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.emails import verification_email_send, verification_token_read
from accounts.models import User
from accounts.services.users import user_verify_email
from accounts.views.auth import safe_next_url, signed_in_user, signup_pending_sign_in

RESEND_INTERVAL_SECONDS = 60


@require_GET
def verify_email_view(request: HttpRequest, token: str) -> HttpResponse:
    payload = verification_token_read(token)
    user = User.objects.filter(public_id=payload[0], is_active=True).first() if payload else None
    if payload is None or user is None or not user_verify_email(user=user, email=payload[1]):
        return render(request, "accounts/verify_result.html", {"ok": False}, status=400)
    if signup_pending_sign_in(request, user):
        messages.success(request, f"Welcome! Your e-mail address {user.email} is verified.")
        return redirect("/dashboard")
    if request.user.is_authenticated and request.user.pk == user.pk:
        # The middleware loaded the signed-in user before the address was verified: without this the
        # page that confirms it would still show the "verify your e-mail" banner.
        request.user = user
    return render(request, "accounts/verify_result.html", {"ok": True, "verified_email": user.email})


@login_required
@require_POST
def verify_resend_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    next_url = safe_next_url(request, default="/dashboard")
    if user.is_verified:
        messages.info(request, "Your e-mail address is already verified.")
    elif not cache.add(f"accounts:verify-resend:{user.public_id}", 1, RESEND_INTERVAL_SECONDS):
        # cache.add is atomic: one e-mail per minute per account, however fast the button is pressed.
        messages.warning(request, "We just sent a link. Please wait a minute before asking again.")
    else:
        verification_email_send(user=user, request=request)
        messages.success(request, f"We sent a new verification link to {user.email}.")
    return redirect(next_url)
