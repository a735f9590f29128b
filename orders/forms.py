from django import forms
from django.core.exceptions import ValidationError

from accounts.interface import validate_pin_code
from orders.models import Order


class CheckoutForm(forms.Form):
    name = forms.CharField(label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    line1 = forms.CharField(label="Address line 1", max_length=200,
                            widget=forms.TextInput(attrs={"autocomplete": "address-line1"}))
    line2 = forms.CharField(label="Address line 2", max_length=200, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "address-line2"}))
    city = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    state = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "address-level1"}))
    pin_code = forms.CharField(label="PIN code", max_length=10,
                               widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}))
    attempt = forms.UUIDField(widget=forms.HiddenInput,
                              help_text="One per checkout page: a double click places one order.")

    def clean_pin_code(self) -> str:
        pin = "".join(self.cleaned_data["pin_code"].split())
        try:
            validate_pin_code(pin)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return pin


class ArchiveDayForm(forms.Form):
    """Staff: which day's archived orders, in which final status."""

    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}),
                          help_text="The day the orders were created, in the shop's time zone.")
    status = forms.ChoiceField(choices=[(status.value, status.label) for status in Order.TERMINAL],
                               help_text="Only finished orders are archived.")
