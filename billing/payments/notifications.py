"""Payment e-mails: the receipt, the low-balance alert and "auto top-up was turned off"."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model

from accounts.emails import send_templated
from billing.money import format_credits, format_usd
from billing.payments.models import AutoTopUp, LowBalanceAlert, Purchase

# Each has emails/payments/<kind>_subject.txt, <kind>.txt and <kind>.html.
KINDS = frozenset({"receipt", "low_balance", "auto_topup_disabled"})


def payment_email_send(*, kind: str, user_id: int, purchase_id: int | None) -> None:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or kind not in KINDS:
        return
    context: dict[str, object] = {"user": user, "credits_url": f"{settings.PUBLIC_BASE_URL}/credits"}
    if purchase_id is not None:
        purchase = Purchase.objects.filter(pk=purchase_id, user=user).first()
        if purchase is None:
            return
        context.update(
            purchase=purchase,
            amount_usd=format_usd(purchase.amount_micros),
            credits=format_credits(purchase.amount_micros),
            test_mode=purchase.gateway == "sandbox",
        )
    alert = LowBalanceAlert.objects.filter(user=user).first()
    if alert is not None:
        context["threshold_credits"] = format_credits(alert.threshold_micros)
    auto = AutoTopUp.objects.filter(user=user).first()
    if auto is not None:
        context["auto_topup"] = auto
    send_templated(to=user.email, template=f"payments/{kind}", context=context)
