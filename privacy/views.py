"""Settings → Privacy: export my data, delete my account, and the cancel link of the confirmation e-mail.

Every view that reads an export goes through the owner-scoped getter: anyone else's export is a 404.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.selectors import api_keys_live_for_user
from accounts.services.audit import audit_record
from accounts.views.auth import signed_in_user
from billing.money import format_credits, format_usd
from billing.selectors import wallet_balance, wallet_get_for_user
from comfyweb.errors import ApiError
from privacy.forms import DeletionConfirmForm, PasswordConfirmForm
from privacy.models import DeletionRequest, DeletionSource, DeletionStatus, ExportStatus
from privacy.selectors import (
    deletion_request_open_for_user,
    deletion_state_for_user,
    export_get_for_user,
    exports_for_user,
    uploads_for_user,
)
from privacy.services.deletion import (
    DeletionError,
    cancel_token_read,
    deletion_cancel,
    deletion_request_create,
)
from privacy.services.export import export_request_create


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@login_required
@require_GET
def privacy_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    exports = list(exports_for_user(user=user)[:5])
    context = {
        "exports": exports,
        "export_in_flight": any(e.status in (ExportStatus.QUEUED, ExportStatus.RUNNING) for e in exports),
        "export_form": PasswordConfirmForm(user=user),
        "deletion": deletion_state_for_user(user),
        "link_hours": settings.EXPORT_LINK_TTL_HOURS,
    }
    return render(request, "privacy/privacy.html", context)


@login_required
@require_POST
def export_create_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = PasswordConfirmForm(request.POST, user=user)
    if not form.is_valid():
        messages.error(
            request,
            "The export was not started: " + " ".join(str(e) for e in form.errors.get("password", [])),
        )
        return redirect("privacy:privacy")
    try:
        export = export_request_create(user=user, ip_address=_ip(request))
    except ApiError as exc:
        messages.error(request, exc.message)
        return redirect("privacy:privacy")
    export.refresh_from_db()  # in the embedded run the job has already finished
    if export.is_downloadable():
        messages.success(request, "Your export is ready: download it below. We also e-mailed you the link.")
    else:
        messages.success(request, "Your export is being prepared. We'll e-mail you when it is ready.")
    return redirect("privacy:privacy")


@login_required
@require_GET
def export_status_view(request: HttpRequest, export_id: UUID) -> HttpResponse:
    export = export_get_for_user(user=signed_in_user(request), export_public_id=export_id)
    return JsonResponse(
        {
            "status": export.status,
            "progress": export.progress,
            "stage": export.stage,
            "ready": export.is_downloadable(),
        }
    )


@login_required
@require_GET
def export_download_view(request: HttpRequest, export_id: UUID) -> FileResponse:
    user = signed_in_user(request)
    export = export_get_for_user(user=user, export_public_id=export_id)  # 404 for anyone else
    if not export.is_downloadable() or not default_storage.exists(export.file_path):
        raise Http404("This export has expired or is not ready; start a new one from Settings → Privacy.")
    audit_record(
        action="export.downloaded",
        actor=user,
        subject=user,
        target=f"export:{export.public_id}",
        ip_address=_ip(request),
    )
    response = FileResponse(
        default_storage.open(export.file_path, "rb"),
        as_attachment=True,
        filename=f"{settings.SITE_NAME}-data-{export.created_at:%Y%m%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _consequences(user: User) -> dict[str, object]:
    balance = wallet_balance(wallet=wallet_get_for_user(user=user))
    return {
        "balance_credits": format_credits(balance.balance_micros),
        "balance_usd": format_usd(balance.balance_micros),
        "has_balance": balance.balance_micros > 0,
        "live_keys": api_keys_live_for_user(user=user).count(),
        "uploads": len(uploads_for_user(user=user)),
        "retention_years": settings.ACCOUNTING_RETENTION_YEARS,
        "grace_hours": settings.DELETION_GRACE_HOURS,
    }


@login_required
@require_http_methods(["GET", "POST"])
def deletion_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    state = deletion_state_for_user(user)
    form = DeletionConfirmForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and not state.is_open and not state.open_disputes and form.is_valid():
        try:
            deletion_request_create(user=user, source=DeletionSource.USER, ip_address=_ip(request))
        except DeletionError as exc:
            messages.error(request, exc.message)
            return redirect("privacy:delete")
        messages.success(
            request, "Your account is scheduled for deletion. We sent you an e-mail with a link to cancel."
        )
        return redirect("privacy:privacy")
    context = {"form": form, "deletion": state, **_consequences(user)}
    return render(request, "privacy/delete.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def deletion_cancel_view(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    open_request = deletion_request_open_for_user(user=user)
    if open_request is None:
        messages.info(request, "There is no deletion to cancel.")
        return redirect("privacy:privacy")
    try:
        deletion_cancel(request=open_request, actor=user, via="settings")
    except DeletionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The deletion is cancelled. Your account stays as it is.")
    return redirect("privacy:privacy")


@require_http_methods(["GET", "POST"])
def cancel_link_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the confirmation e-mail; it works without signing in (the signature is the proof).
    GET only shows the button, so a mail scanner that follows links cancels nothing."""
    public_id = cancel_token_read(token)
    found = (
        DeletionRequest.objects.filter(public_id=public_id).select_related("user").first()
        if public_id
        else None
    )
    if found is None:
        return render(request, "privacy/cancel.html", {"invalid": True}, status=404)
    outcome = ""
    if request.method == "POST":
        try:
            found = deletion_cancel(request=found, actor=None, via="e-mail link")
            outcome = "cancelled"
        except DeletionError as exc:
            outcome = exc.message
    context = {
        "request_row": found,
        "outcome": outcome,
        "cancellable": found.status in (DeletionStatus.SCHEDULED, DeletionStatus.ON_HOLD) and not found.step,
    }
    return render(request, "privacy/cancel.html", context)
