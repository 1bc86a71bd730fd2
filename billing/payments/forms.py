"""Credits page forms: buy credits, auto top-up and the low-balance e-mail (amounts typed in USD)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings

from billing.money import format_usd_short, usd_to_micros

PRESETS_USD = (10, 25, 50, 100)


def topup_range_message() -> str:
    """'Choose an amount between $5 and $10,000.' — the limits read from the settings."""
    low, high = settings.TOPUP_MIN_MICROS, settings.TOPUP_MAX_MICROS
    return f"Choose an amount between {format_usd_short(low)} and {format_usd_short(high)}."


def _usd_messages() -> dict[str, str]:
    """Django's defaults ("Ensure that there are no more than 9 digits in total") in the product's words."""
    return {
        "invalid": "Enter an amount in dollars, for example 25 or 12.50.",
        "max_decimal_places": "Use at most two decimals (whole cents), for example 12.50.",
        "max_digits": "That amount is too large.",
        "max_whole_digits": "That amount is too large.",
        "min_value": "Enter an amount of $0 or more.",
        "required": "Enter an amount in dollars.",
    }


def _usd_field(**kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        max_digits=9, decimal_places=2, min_value=Decimal("0"), error_messages=_usd_messages(), **kwargs
    )


class BuyCreditsForm(forms.Form):
    """A preset ($10/$25/$50/$100) or a custom amount from $5 to $10,000."""

    amount_usd = _usd_field(label="Amount (USD)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        range_message = topup_range_message()
        field = self.fields["amount_usd"]
        field.error_messages.update(
            {"max_digits": range_message, "max_whole_digits": range_message, "min_value": range_message}
        )

    def clean_amount_usd(self) -> int:
        micros = usd_to_micros(self.cleaned_data["amount_usd"])
        low, high = settings.TOPUP_MIN_MICROS, settings.TOPUP_MAX_MICROS
        if not low <= micros <= high:
            raise forms.ValidationError(topup_range_message())
        return micros


class AutoTopUpForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Turn on auto top-up")
    threshold_usd = _usd_field(label="When your available balance falls below (USD)")
    amount_usd = _usd_field(label="Add (USD)")
    monthly_cap_usd = _usd_field(label="At most per month (USD)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        low, high = settings.TOPUP_MIN_MICROS, settings.TOPUP_MAX_MICROS
        amount = usd_to_micros(data["amount_usd"])
        if not low <= amount <= high:
            self.add_error("amount_usd", topup_range_message())
        cap = usd_to_micros(data["monthly_cap_usd"])
        if cap < amount:
            self.add_error("monthly_cap_usd", "The monthly cap must be at least one top-up.")
        data["threshold_micros"] = usd_to_micros(data["threshold_usd"])
        data["amount_micros"], data["monthly_cap_micros"] = amount, cap
        return data


class LowBalanceForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="E-mail me when my balance is low")
    threshold_usd = _usd_field(label="When your available balance falls below (USD)")

    def clean_threshold_usd(self) -> int:
        micros = usd_to_micros(self.cleaned_data["threshold_usd"])
        if micros <= 0:
            raise forms.ValidationError("Choose a threshold above $0.")
        return micros
