"""Browser forms for sign-up, sign-in, profile and passwords."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.http import HttpRequest

from accounts.emails import send_templated
from accounts.models import User
from accounts.services.users import email_normalize

if TYPE_CHECKING:
    ProfileFormBase = forms.ModelForm[User]
else:  # no django-stubs-ext at runtime: the generic alias exists only for the type checker
    ProfileFormBase = forms.ModelForm

# A cap on what reaches a validator or hasher at all (a bound on work per request), far above the
# documented maximum (settings.PASSWORD_MAX_LENGTH), which the validator reports in its own words.
PASSWORD_INPUT_CAP = 4096
PASSWORD_HELP = (
    f"At least 8 characters; long passphrases welcome (up to {settings.PASSWORD_MAX_LENGTH}). "
    "No rules about symbols."
)


class PasswordField(forms.CharField):
    """A password input whose only limit is the documented one. The HTML `maxlength` Django would add
    (the 4,096 work cap) is left off: it contradicted the help text, and a browser limit silently cuts a
    pasted passphrase. Too long a password gets the validator's message instead."""

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


def _email_field(**extra: Any) -> forms.EmailField:
    return forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        **extra,
    )


class SignupForm(forms.Form):
    email = _email_field()
    name = forms.CharField(
        label="Name",
        max_length=150,
        required=False,
        help_text="Optional: how we greet you.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    # strip=False: spaces are part of a passphrase; the maximum length is checked by the validator, so a
    # long password is refused with a message, never truncated.
    password = PasswordField(
        label="Password",
        strip=False,
        max_length=PASSWORD_INPUT_CAP,
        help_text=PASSWORD_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        return email_normalize(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            candidate = User(email=cleaned.get("email", ""), name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class LoginForm(forms.Form):
    """The field is named `email`, which is also AXES_USERNAME_FORM_FIELD, so the throttle sees it."""

    email = _email_field()
    password = PasswordField(
        label="Password",
        strip=False,
        max_length=PASSWORD_INPUT_CAP,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        # One message for unknown address and wrong password: no account enumeration at sign-in.
        "invalid_login": (
            "That e-mail and password don't match an account. Check both, or reset your password."
        ),
        "inactive": "This account is disabled. Contact support if you think this is a mistake.",
    }

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user_cache: User | None = None
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        return email_normalize(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        email, password = cleaned.get("email"), cleaned.get("password")
        if email and password:
            # authenticate(request=...) is what lets django-axes count and lock this attempt.
            user = authenticate(request=self.request, email=email, password=password)
            if user is None:
                raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
            self.user_cache = user
        return cleaned

    def get_user(self) -> User:
        assert self.user_cache is not None
        return self.user_cache


class ProfileForm(ProfileFormBase):
    class Meta:
        model = User
        fields = ("name",)
        labels = {"name": "Name"}
        help_texts = {"name": "Shown on your dashboard and in ComfyUI's account panel."}


class AccountPasswordChangeForm(PasswordChangeForm):
    """Django's form (current password required), with our wording."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HELP


class AccountSetPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HELP


class AccountPasswordResetForm(PasswordResetForm):
    email = _email_field()

    def send_mail(  # noqa: PLR0917 - Django's signature
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        # Same multipart templates and link base as every other account e-mail (accounts.emails).
        send_templated(to=to_email, template="password_reset", context=context)
