from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from accounts.interface import (
    normalize_phone,
    normalize_pin_code,
    state_choices,
    validate_pin_code,
    validate_pin_in_state,
)
from orders.models import Order, ShipmentLine

NEW_ADDRESS = "new"
ADDRESS_FIELDS = ("name", "phone", "line1", "line2", "city", "state", "pin_code")


class CheckoutForm(forms.Form):
    """Where the order goes: one of the customer's saved addresses, or a new one checked by the same
    rules as the address book (accounts.validators): a real phone number, a state from the list, and
    a PIN code of that state."""

    deliver_to = forms.ChoiceField(label="Deliver to", widget=forms.RadioSelect, required=False)
    name = forms.CharField(label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(max_length=20, widget=forms.TextInput(
        attrs={"autocomplete": "tel", "inputmode": "tel", "placeholder": "98765 43210"}))
    line1 = forms.CharField(label="Address line 1", max_length=200,
                            widget=forms.TextInput(attrs={"autocomplete": "address-line1"}))
    line2 = forms.CharField(label="Address line 2", max_length=200, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "address-line2"}))
    city = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    state = forms.ChoiceField(choices=state_choices, widget=forms.Select(attrs={"autocomplete": "address-level1"}))
    pin_code = forms.CharField(label="PIN code", max_length=10, widget=forms.TextInput(
        attrs={"autocomplete": "postal-code", "inputmode": "numeric", "maxlength": "6", "placeholder": "110001"}))
    payment_method = forms.ChoiceField(
        label="Payment", widget=forms.RadioSelect, required=False, initial=Order.PaymentMethod.ONLINE,
        choices=[(Order.PaymentMethod.ONLINE, "Pay now: UPI, card or net banking"),
                 (Order.PaymentMethod.COD, "Pay on delivery: cash when it arrives")])
    attempt = forms.UUIDField(widget=forms.HiddenInput,
                              help_text="One per checkout page: a double click places one order.")

    def __init__(self, *args: Any, addresses: Sequence[Any] = (), **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.addresses = {str(address.pk): address for address in addresses}
        if self.addresses:
            # self.fields holds plain Fields to mypy; deliver_to is the ChoiceField declared above.
            cast(forms.ChoiceField, self.fields["deliver_to"]).choices = [
                *[(pk, address) for pk, address in self.addresses.items()], (NEW_ADDRESS, "A new address")]
        else:
            del self.fields["deliver_to"]
        if self.saved_address() is not None:
            # The new-address fields are neither asked for nor checked (whatever a browser without
            # JavaScript left in them while they were hidden).
            if self.is_bound:
                # Bound to request.POST, an immutable QueryDict; its copy is mutable (a test's dict too).
                data = cast(QueryDict, self.data).copy()
                for name in ADDRESS_FIELDS:
                    data[self.add_prefix(name)] = ""
                self.data = data
            for name in ADDRESS_FIELDS:
                self.fields[name].required = False

    def saved_address(self) -> Any | None:
        """The saved address chosen (on a bound form, as posted; else as first shown), or None."""
        if not self.addresses:
            return None
        chosen = self.data.get(self.add_prefix("deliver_to")) if self.is_bound else self.initial.get("deliver_to")
        return self.addresses.get(str(chosen or ""))

    def delivery_pin(self) -> str:
        """The PIN code to show delivery dates for, once valid (or as first shown)."""
        saved = self.saved_address()
        if saved is not None:
            saved_pin: str = saved.pin_code  # an accounts Address (orders does not import accounts' models)
            return saved_pin
        if self.is_bound:
            pin: str = self.cleaned_data.get("pin_code", "") if self.is_valid() else ""
            return pin
        return str(self.initial.get("pin_code") or "")

    def clean_payment_method(self) -> str:
        return self.cleaned_data["payment_method"] or Order.PaymentMethod.ONLINE

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        return normalize_phone(phone) if phone else ""

    def clean_pin_code(self) -> str:
        pin = normalize_pin_code(self.cleaned_data["pin_code"])
        if pin:
            validate_pin_code(pin)
        return pin

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.addresses and not cleaned.get("deliver_to"):
            self.add_error("deliver_to", "Choose where to deliver, or add a new address.")
        saved = self.saved_address()
        if saved is not None:
            cleaned.update(name=saved.full_name, phone=saved.phone, line1=saved.line1, line2=saved.line2,
                           city=saved.city, state=saved.state, pin_code=saved.pin_code)
        elif cleaned.get("pin_code") and cleaned.get("state"):
            try:
                validate_pin_in_state(cleaned["pin_code"], cleaned["state"])
            except ValidationError as error:
                self.add_error("pin_code", error)
        return cleaned


class ArchiveDayForm(forms.Form):
    """Staff: which day's archived orders, in which final status."""

    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}),
                          help_text="The day the orders were created, in the shop's time zone.")
    status = forms.ChoiceField(choices=[(status.value, status.label) for status in Order.TERMINAL],
                               help_text="Only finished orders are archived.")


class ReturnForm(forms.Form):
    """How many of each item in a delivered package go back, and why (a field per item)."""

    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="What is wrong with it? The seller reads this.")

    def __init__(self, *args: Any, parts: Sequence[ShipmentLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parts = parts
        for part in parts:
            self.fields[f"item_{part.line.item_id}"] = forms.IntegerField(
                label=part.line.title, min_value=0, max_value=part.quantity, initial=0, required=False)

    def units(self) -> dict[int, int]:
        return {part.line.item_id: self.cleaned_data.get(f"item_{part.line.item_id}") or 0
                for part in self.parts if self.cleaned_data.get(f"item_{part.line.item_id}")}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.is_bound and not self.errors and not self.units():
            raise forms.ValidationError("Choose how many of at least one item you are returning.")
        return cleaned
