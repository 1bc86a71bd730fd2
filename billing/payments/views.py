"""Browser pages: buy credits from the Credits page, come back from checkout, the sandbox checkout page
(TEST MODE), and the auto top-up / low-balance settings. JSON APIs for ComfyUI are in `api.py`."""

from __future__ import annotations

import re
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.money import format_credits, format_usd
from billing.payments.api import site_base_url
from billing.payments.forms import AutoTopUpForm, BuyCreditsForm, LowBalanceForm
from billing.payments.gateway import PaymentGatewayError, SandboxGateway, gateway_get, sandbox_token_read
from billing.payments.models import Gateway, Purchase, PurchaseStatus
from billing.payments.selectors import payment_method_label, purchase_get_for_user, purchase_resumable
from billing.payments.services import (
    auto_topup_configure,
    checkout_fulfil,
    checkout_start,
    checkout_sync,
    low_balance_configure,
    purchase_cancel,
    purchase_mark_closed,
)
from billing.payments.services.purchases import FulfilmentRejectedError, stripe_customer_ensure
from billing.views import credits_render
from comfyweb.errors import ApiError

CREDITS_URL = "/credits"
TEST_MODE_BILLING = (
    "TEST MODE: there is no Stripe billing portal, because no Stripe keys are configured and no card is "
    "saved. Every purchase has its receipt on this page (Recent purchases → Receipt)."
)
_SESSION_ID_RE = re.compile(r"[A-Za-z0-9_]{1,255}")


@login_required
@require_POST
def credits_buy(request: HttpRequest) -> HttpResponse:
    if not getattr(request.user, "is_verified", False):
        messages.error(
            request, "Verify your e-mail address before buying credits (see the link we sent you)."
        )
        return redirect(CREDITS_URL)
    form = BuyCreditsForm(request.POST)
    if not form.is_valid():
        # Rendered, not redirected: the error sits next to the field and the typed amount stays in it.
        return credits_render(request, extra={"buy_form": form}, status=400)
    try:
        purchase = checkout_start(
            user=request.user, amount_micros=form.cleaned_data["amount_usd"], base_url=site_base_url(request)
        )
    except PaymentGatewayError:
        messages.error(request, "The payment provider could not be reached; nothing was charged. Try again.")
        return redirect(CREDITS_URL)
    except ApiError as exc:  # the hourly checkout cap
        messages.error(request, exc.message)
        return redirect(CREDITS_URL)
    # The checkout lives on Stripe (or our sandbox page); CSP form-action allows checkout.stripe.com.
    return HttpResponseRedirect(purchase.checkout_url)


@login_required
@require_POST
def billing_portal(request: HttpRequest) -> HttpResponse:
    """ "Manage billing" on the Credits page: Stripe's portal (invoices, receipts, saved cards)."""
    gateway = gateway_get()
    if gateway.name == Gateway.SANDBOX:
        # The sandbox has no portal to send anyone to: say so, rather than reload the page silently.
        messages.info(request, TEST_MODE_BILLING)
        return redirect(CREDITS_URL)
    try:
        customer_id = stripe_customer_ensure(user=request.user, gateway=gateway)
        url = gateway.create_portal(
            customer_id=customer_id, return_url=f"{site_base_url(request)}{CREDITS_URL}"
        )
    except PaymentGatewayError:
        messages.error(request, "The billing portal could not be opened right now. Try again in a moment.")
        return redirect(CREDITS_URL)
    return HttpResponseRedirect(url)


@require_GET
def credits_return(request: HttpRequest) -> HttpResponse:
    """Stripe's success URL. Fulfils from a server-side retrieve of the session, if the webhook has not."""
    session_id = request.GET.get("session_id", "")
    # Checkout Session ids are letters, digits and underscores ("cs_test_…"); anything else (a NUL byte,
    # which PostgreSQL cannot even compare) is no session of ours.
    known = _SESSION_ID_RE.fullmatch(session_id) is not None
    purchase = Purchase.objects.filter(checkout_session_id=session_id).first() if known else None
    if purchase is None:
        return redirect(CREDITS_URL)
    try:
        purchase = checkout_sync(purchase=purchase)
    except (PaymentGatewayError, FulfilmentRejectedError):
        purchase.refresh_from_db()
    if request.user.is_authenticated and purchase.user_id == request.user.pk:
        if purchase.status == PurchaseStatus.PAID:
            messages.success(
                request,
                f"Payment received: {format_credits(purchase.amount_micros)} credits "
                f"({format_usd(purchase.amount_micros)}) were added.",
            )
        else:
            messages.info(request, "Your payment is being processed; credits appear as soon as it clears.")
    return redirect(CREDITS_URL)


def _sandbox_purchase(token: str) -> Purchase:
    if settings.PRODUCTION:
        raise Http404
    public_id = sandbox_token_read(token)
    purchase = (
        Purchase.objects.filter(public_id=public_id, gateway=Gateway.SANDBOX).first() if public_id else None
    )
    if purchase is None:
        raise Http404
    return purchase


@require_http_methods(["GET", "POST"])
def sandbox_checkout(request: HttpRequest, token: str) -> HttpResponse:
    """The sandbox gateway's checkout page: TEST MODE, no money moves, the same fulfilment code runs."""
    purchase = _sandbox_purchase(token)
    if request.method == "POST" and purchase.status == PurchaseStatus.PENDING:
        gateway = SandboxGateway()
        action = request.POST.get("action")
        if action == "pay":
            checkout_fulfil(outcome=gateway.outcome(purchase=purchase, paid=True))
            return redirect(f"/credits/return?session_id={purchase.checkout_session_id}")
        if action == "cancel":
            purchase_cancel(purchase=purchase)
            messages.info(request, "Checkout cancelled; nothing was charged.")
            return redirect(CREDITS_URL)
        purchase_mark_closed(
            session_id=purchase.checkout_session_id or "",
            status=PurchaseStatus.FAILED,
            reason="declined (test)",
        )
        messages.warning(request, "The test payment was declined; nothing was added.")
        return redirect(CREDITS_URL)
    context = {
        "purchase": purchase,
        "amount_usd": format_usd(purchase.amount_micros),
        "credits": format_credits(purchase.amount_micros),
        "token": token,
    }
    return render(request, "billing/payments/sandbox_checkout.html", context)


@login_required
@require_POST
def auto_topup_settings(request: HttpRequest) -> HttpResponse:
    form = AutoTopUpForm(request.POST)
    if not form.is_valid():
        return credits_render(request, extra={"auto_form": form}, status=400)
    data = form.cleaned_data
    auto_topup_configure(
        user=request.user,
        enabled=data["enabled"],
        threshold_micros=data["threshold_micros"],
        amount_micros=data["amount_micros"],
        monthly_cap_micros=data["monthly_cap_micros"],
    )
    messages.success(request, "Auto top-up is on." if data["enabled"] else "Auto top-up is off.")
    return redirect(CREDITS_URL)


@login_required
@require_POST
def low_balance_settings(request: HttpRequest) -> HttpResponse:
    form = LowBalanceForm(request.POST)
    if not form.is_valid():
        return credits_render(request, extra={"alert_form": form}, status=400)
    enabled = form.cleaned_data["enabled"]
    low_balance_configure(
        user=request.user, enabled=enabled, threshold_micros=form.cleaned_data["threshold_usd"]
    )
    messages.success(request, "Low-balance e-mails are on." if enabled else "Low-balance e-mails are off.")
    return redirect(CREDITS_URL)


def _own_purchase(request: HttpRequest, public_id: UUID) -> Purchase:
    purchase = purchase_get_for_user(user=request.user, public_id=public_id)
    if purchase is None:
        raise Http404("No such purchase.")
    return purchase


@login_required
@require_GET
def receipt(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """One purchase: amount, credits, dates, how it was paid, its status; printable."""
    purchase = _own_purchase(request, public_id)
    context = {
        "purchase": purchase,
        "method": payment_method_label(purchase),
        "resumable": purchase_resumable(purchase),
    }
    return render(request, "billing/payments/receipt.html", context)


@login_required
@require_POST
def purchase_cancel_view(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Cancel a checkout that was started and left: it can no longer be paid from this site."""
    purchase = _own_purchase(request, public_id)
    if purchase_resumable(purchase):
        purchase_cancel(purchase=purchase)
        messages.info(request, "Checkout cancelled; nothing was charged.")
    return redirect(CREDITS_URL)
