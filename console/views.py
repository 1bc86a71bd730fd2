"""The support console's pages and actions (thin: the rules live in services.py and selectors.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.devices import client_ip
from accounts.models import User
from accounts.services.audit import audit_record
from accounts.services.devices import device_rekey
from billing.models import Grant
from billing.money import format_usd
from billing.payments.models import Purchase
from console import roles
from console.access import console_view, forbidden, is_console_staff, otp_device_confirmed, staff_user
from console.audit_log import AuditFilterForm, AuditFilters, audit_csv_rows, audit_page
from console.forms import GrantForm, ReasonForm, SearchForm, UsdAmountForm, VerifyForm
from console.search import user_search
from console.selectors import charge_explain, pending_grants, usage_get, user_get, user_overview
from console.services import (
    ConsoleActionError,
    console_deletion_hold,
    console_devices_sign_out,
    console_grant,
    console_grant_approve,
    console_hosted_session_end,
    console_key_revoke,
    console_refund,
    console_wallet_set_frozen,
)

# --- sign-in: the second factor --------------------------------------------------------------------------


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/console/"
    # The code also opens /admin/ (console/admin_site.py); nowhere else, so the link cannot send staff away.
    return target if target.startswith(("/console/", "/admin/")) else "/console/"


def verify(request: HttpRequest) -> HttpResponse:
    """Staff confirm a TOTP code once per session before the console opens."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(f"{settings.LOGIN_URL}?next=/console/")
    if not is_console_staff(request.user):
        return forbidden(request, "The support console is for staff only.")
    user = staff_user(request)
    if not settings.CONSOLE_REQUIRE_OTP or otp_device_confirmed(request):
        return HttpResponseRedirect(_next(request))
    devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and devices:
        device = next((d for d in devices if d.verify_token(form.cleaned_data["token"])), None)
        ip = client_ip(request)
        if device is not None:
            # A privilege step-up: a fresh session id, so a session fixed before it cannot ride on it.
            old_key = request.session.session_key or ""
            request.session.cycle_key()
            device_rekey(old_session_key=old_key, new_session_key=request.session.session_key or "")
            otp_login(request, device)
            audit_record(action="console.otp_verify", actor=user, subject=user, ip_address=ip)
            return HttpResponseRedirect(_next(request))
        audit_record(action="console.otp_failed", actor=user, subject=user, ip_address=ip)
        form.add_error("token", "That code is not valid (or too many attempts: wait and try again).")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "has_device": bool(devices), "next": _next(request)}
    return render(request, "console/verify.html", context, status=status)


# --- pages -----------------------------------------------------------------------------------------------


@require_GET
@console_view(roles.VIEW)
def home(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    matches = None
    if form.is_valid():
        matches = user_search(text=form.cleaned_data["q"], kind=form.cleaned_data["kind"] or "auto")
    context = {"form": form, "matches": matches, "pending_count": pending_grants().count()}
    return render(request, "console/home.html", context)


def _subject(public_id: uuid.UUID) -> User:
    user = user_get(public_id=public_id)
    if user is None:
        raise Http404("No such user.")
    return user


def _may(request: HttpRequest, *permissions: str) -> dict[str, bool]:
    return {perm.split(".", 1)[1]: request.user.has_perm(perm) for perm in permissions}


@require_GET
@console_view(roles.VIEW)
def user_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    overview = user_overview(user=_subject(public_id))
    context = {
        "o": overview,
        "subject": overview.user,
        "may": _may(
            request,
            roles.GRANT,
            roles.APPROVE_GRANT,
            roles.REFUND,
            roles.FREEZE,
            roles.REVOKE_KEY,
            roles.SIGN_OUT,
            roles.END_SESSION,
            roles.HOLD_DELETION,
        ),
        "threshold": format_usd(overview.approval_threshold_micros),
    }
    return render(request, "console/user.html", context)


@require_GET
@console_view(roles.VIEW)
def explain(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    usage = usage_get(public_id=public_id)
    if usage is None:
        raise Http404("No such usage row.")
    return render(request, "console/explain.html", {"x": charge_explain(usage=usage), "subject": usage.user})


@require_GET
@console_view(roles.VIEW)
def explain_text(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    usage = usage_get(public_id=public_id)
    if usage is None:
        raise Http404("No such usage row.")
    response = HttpResponse(charge_explain(usage=usage).summary, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="charge-{usage.public_id}.txt"'
    return response


@require_GET
@console_view(roles.VIEW)
def grants(request: HttpRequest) -> HttpResponse:
    context = {
        "grants": list(pending_grants()[:200]),
        "may_approve": request.user.has_perm(roles.APPROVE_GRANT),
    }
    return render(request, "console/grants.html", context)


def _audit_filters(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilters | None]:
    form = AuditFilterForm(request.GET)
    return form, (AuditFilters.from_form(form.cleaned_data) if form.is_valid() else None)


@require_GET
@console_view(roles.AUDIT_LOG)
def audit(request: HttpRequest) -> HttpResponse:
    form, filters = _audit_filters(request)
    rows: list[Any] = []
    next_before = None
    if filters is not None:
        rows, next_before = audit_page(filters=filters, before=form.cleaned_data.get("before"))
    query = request.GET.copy()
    query.pop("before", None)
    context = {"form": form, "rows": rows, "next_before": next_before, "query": query.urlencode()}
    return render(request, "console/audit.html", context, status=200 if filters is not None else 400)


@require_GET
@console_view(roles.AUDIT_LOG)
def audit_csv(request: HttpRequest) -> HttpResponseBase:
    form, filters = _audit_filters(request)
    if filters is None:
        return render(request, "console/audit.html", {"form": form, "rows": []}, status=400)
    response = StreamingHttpResponse(audit_csv_rows(filters=filters), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response


# --- actions ---------------------------------------------------------------------------------------------


def _back(subject: User) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"/console/users/{subject.public_id}")


def _refused(request: HttpRequest, message: str, status: int, back: str) -> HttpResponse:
    return render(request, "console/refused.html", {"message": message, "back": back}, status=status)


def _act(
    request: HttpRequest,
    form: ReasonForm,
    back: str,
    run: Callable[[], str],
) -> HttpResponse:
    """Validate the form (a missing reason is a 400), run the action, say what happened."""
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(map(str, errs))}" for field, errs in form.errors.items())
        return _refused(request, f"Nothing was done. {errors}", 400, back)
    try:
        done = run()
    except ConsoleActionError as exc:
        return _refused(request, exc.message, exc.status, back)
    messages.success(request, done)
    return HttpResponseRedirect(back)


@require_POST
@console_view(roles.GRANT)
def grant_create(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    subject, form = _subject(public_id), GrantForm(request.POST)

    def run() -> str:
        outcome = console_grant(
            staff=staff_user(request),
            subject=subject,
            amount_micros=form.amount_micros(),
            reason=form.cleaned_data["reason"],
            ticket=form.cleaned_data["ticket"],
            key=form.action_key(),
            ip=client_ip(request),
        )
        amount = format_usd(outcome.grant.amount_micros)
        if outcome.pending:
            return f"Grant of {amount} is awaiting a second staff member's approval."
        return f"Granted {amount}."

    return _act(request, form, f"/console/users/{subject.public_id}", run)


@require_POST
@console_view(roles.APPROVE_GRANT)
def grant_approve(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = Grant.objects.select_related("wallet__user").filter(pk=grant_id).first()
    if grant is None or grant.wallet.user is None:
        raise Http404("No such grant.")
    form = ReasonForm(request.POST)

    def run() -> str:
        approved = console_grant_approve(
            staff=staff_user(request), grant=grant, reason=form.cleaned_data["reason"], ip=client_ip(request)
        )
        return f"Approved: {format_usd(approved.amount_micros)} credited."

    return _act(request, form, f"/console/users/{grant.wallet.user.public_id}", run)


@require_POST
@console_view(roles.REFUND)
def refund(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    purchase = Purchase.objects.select_related("user").filter(public_id=public_id).first()
    if purchase is None:
        raise Http404("No such purchase.")
    form = UsdAmountForm(request.POST)

    def run() -> str:
        refund_id = console_refund(
            staff=staff_user(request),
            purchase=purchase,
            amount_micros=form.amount_micros(),
            reason=form.cleaned_data["reason"],
            key=form.action_key(),
            ip=client_ip(request),
        )
        return f"Refund {refund_id} of {format_usd(form.amount_micros())} requested."

    return _act(request, form, f"/console/users/{purchase.user.public_id}", run)


def _freeze_view(frozen: bool) -> Callable[[HttpRequest, uuid.UUID], HttpResponse]:
    @require_POST
    @console_view(roles.FREEZE)
    def view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        subject, form = _subject(public_id), ReasonForm(request.POST)

        def run() -> str:
            wallet = console_wallet_set_frozen(
                staff=staff_user(request),
                subject=subject,
                frozen=frozen,
                reason=form.cleaned_data["reason"],
                key=form.action_key(),
                ip=client_ip(request),
            )
            return f"The wallet is now {wallet.get_status_display().lower()}."

        return _act(request, form, f"/console/users/{subject.public_id}", run)

    return view


freeze = _freeze_view(frozen=True)
unfreeze = _freeze_view(frozen=False)


@require_POST
@console_view(roles.REVOKE_KEY)
def key_revoke(request: HttpRequest, public_id: uuid.UUID, key_id: uuid.UUID) -> HttpResponse:
    subject, form = _subject(public_id), ReasonForm(request.POST)

    def run() -> str:
        api_key = console_key_revoke(
            staff=staff_user(request),
            subject=subject,
            key_public_id=key_id,
            reason=form.cleaned_data["reason"],
            ip=client_ip(request),
        )
        return f"Key comfyui-{api_key.prefix}… is revoked."

    return _act(request, form, f"/console/users/{subject.public_id}", run)


@require_POST
@console_view(roles.SIGN_OUT)
def devices_sign_out(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    subject, form = _subject(public_id), ReasonForm(request.POST)

    def run() -> str:
        count = console_devices_sign_out(
            staff=staff_user(request),
            subject=subject,
            reason=form.cleaned_data["reason"],
            ip=client_ip(request),
        )
        return f"Signed out of {count} device(s)."

    return _act(request, form, f"/console/users/{subject.public_id}", run)


@require_POST
@console_view(roles.END_SESSION)
def session_end(request: HttpRequest, public_id: uuid.UUID, session_id: str) -> HttpResponse:
    subject, form = _subject(public_id), ReasonForm(request.POST)

    def run() -> str:
        console_hosted_session_end(
            staff=staff_user(request),
            subject=subject,
            session_id=session_id,
            reason=form.cleaned_data["reason"],
            ip=client_ip(request),
        )
        return "The hosted session is ended."

    return _act(request, form, f"/console/users/{subject.public_id}", run)


def _deletion_view(hold: bool) -> Callable[[HttpRequest, uuid.UUID], HttpResponse]:
    @require_POST
    @console_view(roles.HOLD_DELETION)
    def view(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
        subject, form = _subject(public_id), ReasonForm(request.POST)

        def run() -> str:
            console_deletion_hold(
                staff=staff_user(request),
                subject=subject,
                hold=hold,
                reason=form.cleaned_data["reason"],
                ip=client_ip(request),
            )
            return "The deletion is on hold." if hold else "The deletion hold is released."

        return _act(request, form, f"/console/users/{subject.public_id}", run)

    return view


deletion_hold = _deletion_view(hold=True)
deletion_release = _deletion_view(hold=False)
