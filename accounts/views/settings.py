"""The settings hub (profile), the devices page and the dashboard."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.dashboard import dashboard_open_comfyui_url, dashboard_panels
from accounts.devices import user_agent_summary
from accounts.forms import ProfileForm
from accounts.selectors import api_keys_live_for_user
from accounts.services.devices import (
    device_get_for_user,
    device_revoke,
    devices_active_for_user,
    devices_revoke_others,
)
from accounts.services.users import user_profile_update
from accounts.views.auth import signed_in_user


@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """The user's home: balance and last calls (panels of billing and nodes), keys, Open ComfyUI."""
    user = signed_in_user(request)
    context = {
        "extra_panels": dashboard_panels(request),
        "live_keys": api_keys_live_for_user(user=user).count(),
        "open_comfyui_url": dashboard_open_comfyui_url(request),
    }
    return render(request, "accounts/dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=user)
    if form.is_valid():
        user_profile_update(user=user, name=form.cleaned_data["name"])
        messages.success(request, "Profile saved.")
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form})


@login_required
def devices_view(request: HttpRequest) -> HttpResponse:
    current_key = request.session.session_key
    recent = timezone.now() - timedelta(minutes=1)
    devices = [
        {
            "device": device,
            "summary": user_agent_summary(device.user_agent),
            "current": device.session_key == current_key,
            "just_now": device.last_seen_at >= recent,
        }
        for device in devices_active_for_user(user=signed_in_user(request))
    ]
    return render(request, "accounts/devices.html", {"devices": devices})


@login_required
@require_POST
def device_revoke_view(request: HttpRequest, device_id: UUID) -> HttpResponse:
    user = signed_in_user(request)
    device = device_get_for_user(user=user, device_public_id=device_id)  # 404 for anyone else's device
    if device.session_key == request.session.session_key:
        logout(request)  # revoking this browser is signing out
        messages.info(request, "This device is signed out.")
        return redirect("accounts:login")
    device_revoke(user=user, device_public_id=device_id)
    messages.success(request, f"Signed out {user_agent_summary(device.user_agent)}.")
    return redirect("accounts:devices")


@login_required
@require_POST
def devices_revoke_others_view(request: HttpRequest) -> HttpResponse:
    count = devices_revoke_others(user=signed_in_user(request), keep_session_key=request.session.session_key)
    messages.success(request, f"Signed out {count} other device{'s' if count != 1 else ''}.")
    return redirect("accounts:devices")
