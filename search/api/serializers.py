"""The search API's shapes. Money is integer paise; dates are ISO 8601."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from search.types import MAX_PAGE, MAX_PER_PAGE, Sort
from shop.api import PinCodeField, QueryIntegerField, WholeRegexField


class SearchInputSerializer(serializers.Serializer):
    # Text is taken as sent (the view trims it), so its length is what the schema says it is.
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="", trim_whitespace=False,
                              help_text="Free text; typos are tolerated (1 edit from 3 letters, 2 from 6).")
    category = QueryIntegerField(required=False, min_value=1, max_value=2**63 - 1,
                                 help_text="A category id; its subcategories are included.")
    brand = serializers.ListField(child=serializers.CharField(max_length=100, trim_whitespace=False),
                                  required=False, max_length=20,
                                  help_text="Repeat for any of several brands: brand=Samsung&brand=Apple.")
    price_min_paise = QueryIntegerField(required=False, min_value=0, max_value=10**15)
    price_max_paise = QueryIntegerField(required=False, min_value=0, max_value=10**15,
                                        help_text="At least price_min_paise.")
    rating_min = WholeRegexField(r"^(?:[0-4](?:\.[0-9])?|5(?:\.0)?)$", required=False,
                                 help_text="Average rating at least this, 0 to 5 in steps of 0.1 (e.g. 4 or 4.5).")
    attr = serializers.ListField(child=WholeRegexField(r"^[^:\u0000]+:[^\u0000]+$", max_length=200), required=False,
                                 max_length=20,
                                 help_text="Attribute filters as code:value, repeatable: attr=colour:Black&"
                                           "attr=colour:Blue&attr=ram_gb:8 (values of one code: any; codes: all).")
    sort = serializers.ChoiceField(choices=[s.value for s in Sort], required=False, default=Sort.RELEVANCE.value,
                                   help_text="`fastest` needs a PIN code.")
    page = QueryIntegerField(required=False, min_value=1, max_value=MAX_PAGE, default=1)
    per_page = QueryIntegerField(required=False, min_value=1, max_value=MAX_PER_PAGE, default=20)
    pin = PinCodeField(required=False,
                       help_text="Deliver to this PIN code: only what reaches it, with delivery dates. "
                                 "Default: the visitor's chosen PIN code, if any.")

    def validate(self, data):
        low, high = data.get("price_min_paise"), data.get("price_max_paise")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"price_max_paise": ["Must be at least price_min_paise."]})
        return data


class DeliveryOutputSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Expected delivery date for the PIN code.")
    courier = serializers.CharField()


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ResultOutputSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(source="item_id")
    sku = serializers.CharField()
    title = serializers.CharField()
    brand = serializers.CharField()
    price_paise = serializers.IntegerField()
    currency = serializers.SerializerMethodField()
    rating = serializers.CharField(help_text='Average rating as a decimal string, "4.3".')
    rating_count = serializers.IntegerField()
    image = serializers.CharField(help_text="Image URL, or empty.")
    category = serializers.SerializerMethodField()
    delivery = DeliveryOutputSerializer(allow_null=True, help_text="null without a PIN code.")
    more_options = serializers.CharField(
        help_text='A listing with options (sizes, colours...): what they are, "3 sizes · 2 colours"; '
                  "empty for a single item. The result is its cheapest variant in stock.")

    def get_currency(self, card) -> str:
        return "INR"

    @extend_schema_field(CategoryRefSerializer)
    def get_category(self, card) -> dict[str, Any]:
        return {"id": card.category_id, "name": card.category_name}


class FacetValueOutputSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="What to pass back: brand=…, category=…, rating_min=…, attr=code:….")
    # DRF moves declared fields off the class, so `label` doesn't clash with Field.label.
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()
    selected = serializers.BooleanField()


class FacetOutputSerializer(serializers.Serializer):
    code = serializers.CharField(help_text='"category", "brand", "rating" or an attribute code.')
    label = serializers.CharField()  # type: ignore[assignment]  # as in FacetValueOutputSerializer
    kind = serializers.ChoiceField(choices=["category", "brand", "rating", "attribute"])
    unit = serializers.CharField()
    values = FacetValueOutputSerializer(many=True)


class SearchOutputSerializer(serializers.Serializer):
    query = serializers.CharField(source="params.q")
    pin = serializers.CharField(allow_null=True)
    total = serializers.IntegerField()
    page = serializers.IntegerField(source="params.page")
    per_page = serializers.IntegerField(source="params.per_page")
    pages = serializers.IntegerField()
    sort = serializers.CharField(source="params.sort", help_text="The sort applied (fastest falls back to relevance "
                                                                 "without a PIN code).")
    did_you_mean = serializers.CharField(allow_null=True, help_text="A corrected query, when nothing matched.")
    undeliverable_count = serializers.IntegerField(
        help_text="With a PIN code and no result: how many match but can't be delivered there.")
    category_trail = CategoryRefSerializer(many=True)
    results = ResultOutputSerializer(many=True)
    facets = FacetOutputSerializer(many=True)


class SuggestInputSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="", trim_whitespace=False)
    limit = QueryIntegerField(required=False, min_value=1, max_value=10, default=8)


class SuggestionOutputSerializer(serializers.Serializer):
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=["brand", "category", "product"])
    product_id = serializers.IntegerField(source="item_id", allow_null=True)
    category_id = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(help_text="The search page for it.")


class SuggestOutputSerializer(serializers.Serializer):
    query = serializers.CharField()
    suggestions = SuggestionOutputSerializer(many=True)
