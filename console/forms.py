"""Console forms: every action form carries a required reason and a key made when the form was shown, so
a double submit replays the first action instead of doing it twice."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms

from billing.money import usd_to_micros
from console.search import KINDS


class SearchForm(forms.Form):
    q = forms.CharField(max_length=300, label="Find a user", strip=True)
    kind = forms.ChoiceField(choices=list(KINDS.items()), initial="auto", required=False)


class VerifyForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\d{6,8}$",
        max_length=8,
        label="Code from your authenticator app",
        error_messages={"invalid": "Enter the 6-digit code."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500, widget=forms.TextInput(attrs={"placeholder": "Reason (required)"})
    )
    key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def action_key(self) -> str:
        return str(self.cleaned_data.get("key") or uuid.uuid4())


class UsdAmountForm(ReasonForm):
    usd = forms.DecimalField(label="Amount (USD)", min_value=Decimal("0.01"), max_digits=12, decimal_places=2)

    def amount_micros(self) -> int:
        return usd_to_micros(self.cleaned_data["usd"])


class GrantForm(UsdAmountForm):
    ticket = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"placeholder": "Ticket"}))
