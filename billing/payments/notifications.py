"""Payment e-mails: the receipt, the low-balance alert and "auto top-up was turned off"."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from billing.money import format_credits, format_usd
from billing.payments.models import AutoTopUp, LowBalanceAlert, Purchase

SUBJECTS = {
    "receipt": "Your receipt: {amount} of credits",
    "low_balance": "Your credit balance is low",
    "auto_topup_disabled": "Auto top-up was turned off",
}


def payment_email_send(*, kind: str, user_id: int, purchase_id: int | None) -> None:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or kind not in SUBJECTS:
        return
    context: dict[str, object] = {
        "user": user,
        "SITE_NAME": settings.SITE_NAME,
        "SUPPORT_EMAIL": settings.SUPPORT_EMAIL,
        "credits_url": f"{settings.PUBLIC_BASE_URL}/credits",
    }
    amount = ""
    if purchase_id is not None:
        purchase = Purchase.objects.filter(pk=purchase_id, user=user).first()
        if purchase is None:
            return
        amount = format_usd(purchase.amount_micros)
        context.update(
            purchase=purchase,
            amount_usd=amount,
            credits=format_credits(purchase.amount_micros),
            test_mode=purchase.gateway == "sandbox",
        )
    alert = LowBalanceAlert.objects.filter(user=user).first()
    if alert is not None:
        context["threshold_credits"] = format_credits(alert.threshold_micros)
    auto = AutoTopUp.objects.filter(user=user).first()
    if auto is not None:
        context["auto_topup"] = auto
    text = render_to_string(f"emails/payments/{kind}.txt", context)
    html = render_to_string(f"emails/payments/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject=SUBJECTS[kind].format(amount=amount),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(html, "text/html")
    message.send()
