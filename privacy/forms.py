"""The re-authentication forms of Settings → Privacy."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import User


class PasswordConfirmForm(forms.Form):
    """Re-enter the password before an export or a deletion (quality.md D2: re-auth)."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.")
        return password


class DeletionConfirmForm(PasswordConfirmForm):
    confirm = forms.BooleanField(
        label="I understand that this deletes my account and forfeits my remaining credits.", required=True
    )
