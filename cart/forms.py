from django import forms

from cart.models import MAX_QUANTITY_PER_LINE

QUANTITY_ERRORS = {key: f"Choose a quantity from 1 to {MAX_QUANTITY_PER_LINE}."
                   for key in ("invalid", "min_value", "max_value", "required")}


class AddToCartForm(forms.Form):
    item_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput, error_messages={
        "required": "We couldn't find that item.", "invalid": "We couldn't find that item.",
        "min_value": "We couldn't find that item."})
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY_PER_LINE, initial=1, required=False,
                                  error_messages=QUANTITY_ERRORS)

    def clean_quantity(self) -> int:
        return self.cleaned_data.get("quantity") or 1


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(min_value=0, max_value=MAX_QUANTITY_PER_LINE, error_messages={
        **QUANTITY_ERRORS, "min_value": f"Choose a quantity from 0 (remove) to {MAX_QUANTITY_PER_LINE}."})
