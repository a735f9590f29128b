"""Seller stock API and the public delivery-promise endpoint."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.interface import item_get, item_get_by_sku
from inventory.models import Stock, StockAdjustment
from inventory.selectors import delivery_promises
from inventory.services import StockBelowReserved, stock_set
from logistics.interface import warehouse_get_by_code, warehouses_for_seller
from shop.api import (
    JSON_ONLY,
    IsSeller,
    PinCodeField,
    Problem,
    StrictCharField,
    StrictIntegerField,
    authenticated_user_id,
    problems,
    query_data,
)


class StockOutputSerializer(serializers.Serializer):
    sku = serializers.CharField()
    warehouse = serializers.CharField()
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()


class SellerStockSetApi(APIView):
    permission_classes = [IsSeller]
    parser_classes = JSON_ONLY

    class StockSetInputSerializer(serializers.Serializer):
        sku = StrictCharField(max_length=64, help_text="The SKU of one of your items.")
        warehouse = StrictCharField(max_length=32, help_text="The code of one of your warehouses.")
        on_hand = StrictIntegerField(min_value=0, max_value=10_000_000)
        reason = StrictCharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(request=StockSetInputSerializer,
                   responses={200: StockOutputSerializer,
                              **problems((409, "On hand would go below what open orders have reserved."))},
                   description="Set the units on hand of one of your items at one of your warehouses. "
                               "Audited. On hand can't go below what open orders have reserved (409).")
    def put(self, request: Request) -> Response:
        seller_id = authenticated_user_id(request)
        data = self.StockSetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        item = item_get_by_sku(seller_id=seller_id, sku=values["sku"])
        if item is None:
            raise exceptions.ValidationError({"sku": [f"You have no item with SKU {values['sku']!r}."]})
        warehouse = warehouse_get_by_code(values["warehouse"])
        if warehouse is None or warehouse.seller_id != seller_id:
            raise exceptions.ValidationError({"warehouse": [f"You have no warehouse {values['warehouse']!r}."]})
        try:
            stock = stock_set(item_id=item.item_id, warehouse_id=warehouse.id, on_hand=values["on_hand"],
                              actor_id=seller_id, source=StockAdjustment.Source.SELLER_API,
                              reason=values["reason"])
        except StockBelowReserved as exc:
            raise Problem(409, str(exc), "stock-below-reserved", reserved=exc.reserved) from exc
        stock = Stock.objects.get(pk=stock.pk)
        return Response(StockOutputSerializer({"sku": item.sku, "warehouse": warehouse.code,
                                               "on_hand": stock.on_hand, "reserved": stock.reserved,
                                               "available": stock.available}).data)


class SellerWarehouseListApi(APIView):
    permission_classes = [IsSeller]

    class WarehouseOutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField()
        pin_code = serializers.CharField()
        city = serializers.CharField()
        state = serializers.CharField()
        active = serializers.BooleanField()

    @extend_schema(responses={200: WarehouseOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        seller_id = authenticated_user_id(request)
        return Response(self.WarehouseOutputSerializer(warehouses_for_seller(seller_id), many=True).data)


class ProductDeliveryApi(APIView):
    permission_classes = [AllowAny]

    class DeliveryQuerySerializer(serializers.Serializer):
        pin = PinCodeField()

    @extend_schema(
        parameters=[DeliveryQuerySerializer],
        responses={200: inline_serializer("DeliveryPromise", {
            "product_id": serializers.IntegerField(), "pin_code": serializers.CharField(),
            "deliverable": serializers.BooleanField(), "delivery_date": serializers.DateField(allow_null=True),
            "ship_date": serializers.DateField(allow_null=True),
            "transit_days": serializers.IntegerField(allow_null=True),
            "courier": serializers.CharField(allow_null=True), "message": serializers.CharField(),
        }), **problems(400)},
        description="When the product would reach the PIN code if ordered now, from the warehouse with stock "
                    "that delivers soonest.",
    )
    def get(self, request: Request, product_id: int) -> Response:
        query = self.DeliveryQuerySerializer(data=query_data(self.DeliveryQuerySerializer, request.query_params))
        query.is_valid(raise_exception=True)
        pin = query.validated_data["pin"]
        item = item_get(product_id)
        if item is None or not item.is_active:
            raise exceptions.NotFound("No such product.")
        promise = delivery_promises(item_ids=[product_id], pin_code=pin, now=timezone.now()).get(product_id)
        if promise is None:
            return Response({"product_id": product_id, "pin_code": pin, "deliverable": False,
                             "delivery_date": None, "ship_date": None, "transit_days": None, "courier": None,
                             "message": f"This product can't be delivered to {pin} right now."})
        return Response({"product_id": product_id, "pin_code": pin, "deliverable": True,
                         "delivery_date": promise.delivery_date, "ship_date": promise.ship_date,
                         "transit_days": promise.transit_days, "courier": promise.courier,
                         "message": f"Delivery by {promise.delivery_date:%a, %-d %b}."})
