"""Credits page forms: buy credits, auto top-up and the low-balance e-mail (amounts typed in USD)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings

from billing.money import format_usd, usd_to_micros

PRESETS_USD = (10, 25, 50, 100)


def _usd_field(**kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal("0"), **kwargs)


class BuyCreditsForm(forms.Form):
    """A preset ($10/$25/$50/$100) or a custom amount from $5 to $10,000."""

    amount_usd = _usd_field(label="Amount (USD)")

    def clean_amount_usd(self) -> int:
        micros = usd_to_micros(self.cleaned_data["amount_usd"])
        low, high = settings.TOPUP_MIN_MICROS, settings.TOPUP_MAX_MICROS
        if not low <= micros <= high:
            raise forms.ValidationError(f"Choose an amount from {format_usd(low)} to {format_usd(high)}.")
        return micros


class AutoTopUpForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Turn on auto top-up")
    threshold_usd = _usd_field(label="When available credits fall below (USD)")
    amount_usd = _usd_field(label="Add (USD)")
    monthly_cap_usd = _usd_field(label="At most per month (USD)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        low, high = settings.TOPUP_MIN_MICROS, settings.TOPUP_MAX_MICROS
        amount = usd_to_micros(data["amount_usd"])
        if not low <= amount <= high:
            self.add_error("amount_usd", f"From {format_usd(low)} to {format_usd(high)}.")
        cap = usd_to_micros(data["monthly_cap_usd"])
        if cap < amount:
            self.add_error("monthly_cap_usd", "The monthly cap must be at least one top-up.")
        data["threshold_micros"] = usd_to_micros(data["threshold_usd"])
        data["amount_micros"], data["monthly_cap_micros"] = amount, cap
        return data


class LowBalanceForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="E-mail me when my balance is low")
    threshold_usd = _usd_field(label="When available credits fall below (USD)")

    def clean_threshold_usd(self) -> int:
        micros = usd_to_micros(self.cleaned_data["threshold_usd"])
        if micros <= 0:
            raise forms.ValidationError("Choose a threshold above $0.")
        return micros
