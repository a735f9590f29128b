"""Forms of the accounts pages: they check input and give clear messages; services do the work."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts.models import Address, User
from accounts.validators import (
    normalize_phone,
    normalize_pin_code,
    state_choices,
    validate_pin_code,
    validate_pin_in_state,
)

_PIN_ATTRS = {"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": "6",
              "pattern": "[1-9][0-9]{5}", "placeholder": "110001"}
_PHONE_ATTRS = {"inputmode": "tel", "autocomplete": "tel", "placeholder": "98765 43210"}


def clean_pin(value: str) -> str:
    pin = normalize_pin_code(value)
    validate_pin_code(pin)
    return pin


class _PlainLabels:
    """Labels without Django's trailing colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class EmailAuthenticationForm(_PlainLabels, AuthenticationForm):
    """Django's log-in form, asking for the email address (matched case-insensitively)."""

    username = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password don't match an account. Check them and try again.",
    }


class SignupForm(_PlainLabels, forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
    full_name = forms.CharField(label="Your name", max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password1 = forms.CharField(
        label="Password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not only numbers, and not a common password.",
    )
    password2 = forms.CharField(
        label="Password again", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError("There is already an account with this email. Log in instead?",
                                  code="duplicate_email")
        return email

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", ValidationError("The two passwords don't match.",
                                                        code="password_mismatch"))
        elif password1:
            probe = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ProfileForm(_PlainLabels, forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(max_length=20, required=False, widget=forms.TextInput(attrs=_PHONE_ATTRS))
    pin_code = forms.CharField(
        label="PIN code", max_length=10, required=False, widget=forms.TextInput(attrs=_PIN_ATTRS),
        help_text="We show delivery dates for this PIN code.",
    )

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        return normalize_phone(phone) if phone else ""

    def clean_pin_code(self) -> str:
        pin = self.cleaned_data["pin_code"]
        return clean_pin(pin) if pin else ""


class AddressForm(_PlainLabels, forms.ModelForm):
    state = forms.ChoiceField(choices=state_choices)
    pin_code = forms.CharField(label="PIN code", max_length=10, widget=forms.TextInput(attrs=_PIN_ATTRS))
    make_default = forms.BooleanField(label="Use as my default address", required=False)

    class Meta:
        model = Address
        fields = ["label", "full_name", "phone", "line1", "line2", "city", "state", "pin_code"]
        labels = {"full_name": "Full name", "label": "Label (optional)"}
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs=_PHONE_ATTRS),
            "line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].widget.attrs["autocomplete"] = "address-level1"

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])

    def clean_pin_code(self) -> str:
        return clean_pin(self.cleaned_data["pin_code"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        pin, state = cleaned.get("pin_code"), cleaned.get("state")
        if pin and state:
            try:
                validate_pin_in_state(pin, state)
            except ValidationError as error:
                self.add_error("pin_code", error)
        return cleaned
