"""The recommendations API (public: a visitor without an account gets popular items). Thin: the
serializer checks the input, recommendations.selectors answers, errors are problem JSON."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.interface import current_pin_get
from catalog.interface import item_get
from recommendations.api.serializers import (
    AlsoBoughtInputSerializer,
    RecommendationsInputSerializer,
    RecommendationsOutputSerializer,
)
from recommendations.selectors import also_bought_for, recommendations_for
from recommendations.visitor import customer_id
from shop.api import problems, query_data

FILTERS = ("Only items that are active, in stock and (with a PIN code) deliverable there, each with its "
           "delivery date; never what the customer ordered in the last 30 days; at most two of a brand "
           "and three of a category while there are others to show.")


def _pin(request, given: dict) -> str | None:
    return given.get("pin") or current_pin_get(request._request) or None


class RecommendationsApi(APIView):
    permission_classes = [AllowAny]
    InputSerializer = RecommendationsInputSerializer

    @extend_schema(
        operation_id="recommendations", tags=["recommendations"], parameters=[RecommendationsInputSerializer],
        responses={200: RecommendationsOutputSerializer, **problems(400)},
        summary="Products recommended to the visitor: personal for a returning customer, else popular",
        description="A logged-in customer with enough behaviour gets the items learnt for them (implicit ALS, "
                    "nightly); anyone else the popular items in their PIN code's state, then overall. " + FILTERS,
    )
    def get(self, request):
        data = self.InputSerializer(data=query_data(self.InputSerializer, request.query_params))
        data.is_valid(raise_exception=True)
        given = data.validated_data
        found = recommendations_for(customer_id(request), category_id=given.get("category"),
                                    pin=_pin(request, given), limit=given["limit"])
        return Response(RecommendationsOutputSerializer(found).data)


class AlsoBoughtApi(APIView):
    permission_classes = [AllowAny]
    InputSerializer = AlsoBoughtInputSerializer

    @extend_schema(
        operation_id="product_also_bought", tags=["recommendations"], parameters=[AlsoBoughtInputSerializer],
        responses={200: RecommendationsOutputSerializer, **problems(400, 404)},
        summary="Customers who bought this product also bought",
        description="From co-purchases and the ALS item factors (nightly). " + FILTERS,
    )
    def get(self, request, product_id: int):
        data = self.InputSerializer(data=query_data(self.InputSerializer, request.query_params))
        data.is_valid(raise_exception=True)
        given = data.validated_data
        item = item_get(product_id)
        if item is None or not item.is_active:
            raise exceptions.NotFound("No such product.")
        found = also_bought_for(product_id, pin=_pin(request, given), limit=given["limit"],
                                user_id=customer_id(request))
        return Response(RecommendationsOutputSerializer(found).data)
