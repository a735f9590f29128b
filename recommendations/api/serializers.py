"""The recommendations API's shapes. Money is integer paise; dates are ISO 8601."""

from rest_framework import serializers

from shop.api import PinCodeField, QueryIntegerField

MAX_LIMIT = 50


class RecommendationsInputSerializer(serializers.Serializer):
    category = QueryIntegerField(required=False, min_value=1, max_value=2**63 - 1,
                                 help_text="Only items in this category (or below it).")
    pin = PinCodeField(required=False, help_text="Only items deliverable to this PIN code, with delivery dates. "
                                                 "Default: the visitor's chosen PIN code, if any.")
    limit = QueryIntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=12)


class AlsoBoughtInputSerializer(serializers.Serializer):
    pin = PinCodeField(required=False, help_text="Only items deliverable to this PIN code, with delivery dates. "
                                                 "Default: the visitor's chosen PIN code, if any.")
    limit = QueryIntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=12)


class RecommendedDeliverySerializer(serializers.Serializer):
    date = serializers.DateField(source="delivery_date", help_text="Expected delivery date for the PIN code.")
    courier = serializers.CharField()


class RecommendedItemSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(source="item_id")
    title = serializers.CharField()
    brand = serializers.CharField()
    price_paise = serializers.IntegerField()
    rating = serializers.CharField(help_text='Average rating as a decimal string, "4.3".')
    rating_count = serializers.IntegerField()
    image = serializers.CharField(help_text="The main picture's path, or empty.")
    category_id = serializers.IntegerField()
    category_name = serializers.CharField()
    delivery = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def get_delivery(self, item) -> RecommendedDeliverySerializer(allow_null=True):  # type: ignore[valid-type]
        return RecommendedDeliverySerializer(item).data if item.delivery_date else None

    def get_url(self, item) -> str:
        from recommendations.cards import item_url

        return item_url(item.item_id)


class RecommendationsOutputSerializer(serializers.Serializer):
    # DRF moves declared fields off the class, so `source` doesn't clash with Field.source.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["personal", "popular_state", "popular", "also_bought", "none"],
        help_text="personal: learnt from this customer's behaviour; popular_state: popular in the PIN code's "
                  "state (topped up with popular overall); popular: popular overall or in the category; "
                  "also_bought: bought by customers who bought this product; none: nothing to show.")
    state = serializers.CharField(help_text="For popular_state: the state, in capitals.")
    results = RecommendedItemSerializer(many=True, source="items")
