"""`{% wallet_summary as wallet %}`: the signed-in user's balance, held and available micro-USD."""

from __future__ import annotations

from django import template

from billing.selectors import WalletBalance, wallet_balance, wallet_get_for_user

register = template.Library()


@register.simple_tag(takes_context=True)
def wallet_summary(context: template.Context) -> WalletBalance | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return wallet_balance(wallet=wallet_get_for_user(user=user))
