"""The order API customers call: place an order (idempotent), list and read their orders."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from cart.interface import cart_lines
from inventory.interface import InsufficientStock, NotDeliverable
from orders.api.serializers import (
    OrderOutputSerializer,
    OrderPageOutputSerializer,
    ReorderOutputSerializer,
    ReturnOutputSerializer,
    SellerOrderOutputSerializer,
    SellerShipmentOutputSerializer,
)
from orders.backends.base import ArchiveUnavailable
from orders.models import Order, ReturnRequest, Shipment
from orders.selectors import (
    InvalidCursor,
    Position,
    order_get,
    order_history,
    order_history_get,
    orders_version,
    seller_order_get,
    seller_order_list,
    seller_return_list,
    seller_shipment_get,
    seller_shipment_list,
)
from orders.services import (
    DELIVERY_FAILURES,
    CashAmountMismatch,
    CodNotAllowed,
    EmptyOrder,
    IdempotencyConflict,
    ItemsUnavailable,
    NotCashOnDelivery,
    OrderError,
    OrderLineRequest,
    OrderNotFound,
    RetryNotAllowed,
    ReturnedUnits,
    ReturnNotAllowed,
    ShippingAddress,
    TransitionNotAllowed,
    order_cancel,
    order_mark_delivered,
    order_mark_packed,
    order_mark_shipped,
    order_payment_retry,
    order_place,
    order_reorder,
    return_approve,
    return_receive,
    return_reject,
    return_request,
    shipment_advance,
    shipment_cash_collect,
    shipment_delivery_fail,
)
from shop.api import (
    JSON_ONLY,
    NOT_BLANK,
    IsSeller,
    PinCodeField,
    Problem,
    StrictCharField,
    StrictIntegerField,
    authenticated_user_id,
    problems,
)
from shop.drf import SafeCursorPagination
from shop.pagecache import KeptAnswer, cached_answer, page_key

ARCHIVE_DOWN = "Finished orders can't be read just now; try again shortly."


class NewestFirst(SafeCursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 20


HISTORY_PAGE_SIZE = 20
ORDER_MAX_LINES = 50  # as many as a cart holds
# Any printable ASCII without spaces, as an HTTP header carries it: a UUID is a good key.
IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,255}")
IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]{1,255}$"}


class OrderLineInputSerializer(serializers.Serializer):
    product_id = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    quantity = StrictIntegerField(min_value=1, max_value=100)


class OrderPlaceInputSerializer(serializers.Serializer):
    pin_code = PinCodeField()
    name = StrictCharField(max_length=150, validators=[NOT_BLANK])
    line1 = StrictCharField(max_length=200, validators=[NOT_BLANK])
    line2 = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    city = StrictCharField(max_length=100, validators=[NOT_BLANK])
    state = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    phone = StrictCharField(max_length=20, required=False, allow_blank=True, default="")
    lines = serializers.ListField(child=OrderLineInputSerializer(), required=False, max_length=ORDER_MAX_LINES,
                                  help_text=f"At most {ORDER_MAX_LINES}. Omit (or send none) to order what "
                                            "is in the cart.")
    payment_method = serializers.ChoiceField(
        choices=Order.PaymentMethod.choices, required=False, default=Order.PaymentMethod.ONLINE,
        help_text="online (the default): pay on the payment page, `payment_url`. cod: cash on delivery, for an "
                  "order up to COD_MAX_ORDER_PAISE to a PIN code where cash is collected; the order is placed at "
                  "once, with no payment page.")


class OrderListCreateApi(APIView):
    parser_classes = JSON_ONLY

    @extend_schema(
        operation_id="orders_list",
        parameters=[OpenApiParameter("cursor", str, OpenApiParameter.QUERY, required=False,
                                     description="Opaque; take it from `next`."),
                    OpenApiParameter("status", str, OpenApiParameter.QUERY, required=False,
                                     enum=Order.Status.values,
                                     description="Only the orders in this status; `next` keeps it. "
                                                 "Any other value is a 400.")],
        responses={200: OrderPageOutputSerializer, **problems(400, (404, "A made-up cursor."), 503)},
        description="The customer's orders, live and archived as one list, newest first, "
                    f"{HISTORY_PAGE_SIZE} a page. Finished orders move to the order archive after "
                    "ORDER_ARCHIVE_AFTER_DAYS and still appear here, with their lines and timeline. "
                    "The cursor is a position (the last order's creation time and id), so pages go "
                    "forwards only: `previous` is always null; start again without a cursor for the newest. "
                    "A made-up cursor is a 404.",
    )
    def get(self, request: Request) -> Response:
        cursor = request.query_params.get("cursor")
        try:
            before = Position.decode(cursor) if cursor else None
        except InvalidCursor as exc:
            raise exceptions.NotFound("Invalid cursor.") from exc
        only = request.query_params.get("status")
        if only is not None and only not in Order.Status.values:
            raise serializers.ValidationError({"status": [f"Choose one of: {', '.join(Order.Status.values)}."]})
        # Kept (shop.pagecache) by the customer, the absolute URL (the links in it name the host;
        # the cursor and status) and their orders' version, renewed by every change of what it
        # shows (orders.selectors.orders_version): no query on a hit. Errors raise: never kept.
        user_id = authenticated_user_id(request)
        key = page_key("orders-api", user_id, request.build_absolute_uri(), orders_version(user_id=user_id))
        return Response(cached_answer(key=key, build=lambda: self._page(request, before, only)).data)

    @staticmethod
    def _page(request: Request, before: Position | None, only: str | None) -> KeptAnswer:
        try:
            page = order_history(user_id=authenticated_user_id(request), before=before, limit=HISTORY_PAGE_SIZE,
                                 status=only)
        except ArchiveUnavailable as exc:
            raise Problem(503, ARCHIVE_DOWN, "archive-unavailable") from exc
        next_url = None
        if page.next is not None:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next.encode())
        return KeptAnswer(data={"next": next_url, "previous": None, "results": OrderOutputSerializer(
            page.orders, many=True, context={"request": request}).data})

    @extend_schema(
        request=OrderPlaceInputSerializer,
        responses={201: OrderOutputSerializer,
                   **problems((409, "Not enough stock: `items` says how much there is."),
                              (422, "The order can't be carried out: nothing to deliver to this PIN code "
                                    "(`not-deliverable`), products no longer for sale (`items-unavailable`), "
                                    "an empty cart (`empty-order`), the Idempotency-Key used for a different "
                                    "order (`idempotency-key-reused`), or cash on delivery asked for an order over "
                                    "the limit (`cod-over-limit`) or to a PIN code without it (`cod-not-at-pin`)."))},
        parameters=[OpenApiParameter("Idempotency-Key", IDEMPOTENCY_KEY_SCHEMA, OpenApiParameter.HEADER,
                                     required=True,
                                     description="Any unique string per order attempt; a retry with the same "
                                                 "key returns the same order for as long as the order is "
                                                 "live (at least ORDER_ARCHIVE_AFTER_DAYS, 30 by default; "
                                                 "never under 3 days). Use a new key per attempt: 1 to 255 "
                                                 "printable ASCII characters without spaces (a UUID).")],
        description="Place an order: reserves the stock now and answers with the payment page; with "
                    "`payment_method` cod, the order is placed at once and paid in cash on delivery. "
                    "409 when stock is short, 422 when the PIN code can't be reached.",
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "")
        if not IDEMPOTENCY_KEY.fullmatch(key):
            raise exceptions.ValidationError({"Idempotency-Key": [
                "This header is required: 1 to 255 printable ASCII characters without spaces."]})
        data = OrderPlaceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("lines"):
            lines = [OrderLineRequest(item_id=x["product_id"], quantity=x["quantity"]) for x in values["lines"]]
        else:
            lines = [OrderLineRequest(item_id=x.item_id, quantity=x.quantity)
                     for x in cart_lines(user_id=authenticated_user_id(request))]
        address = ShippingAddress(name=values["name"], line1=values["line1"], line2=values["line2"],
                                  city=values["city"], state=values["state"], phone=values["phone"],
                                  pin_code=values["pin_code"])
        try:
            order = order_place(user_id=authenticated_user_id(request), idempotency_key=key, lines=lines,
                                address=address,
                                payment_method=values["payment_method"])
        except InsufficientStock as exc:
            raise Problem(409, str(exc), "insufficient-stock",
                          items=[{"product_id": i, "available": n} for i, n in sorted(exc.short.items())]) from exc
        except NotDeliverable as exc:
            raise Problem(422, str(exc), "not-deliverable", items=sorted(exc.item_ids)) from exc
        except ItemsUnavailable as exc:
            raise Problem(422, str(exc), "items-unavailable", items=sorted(exc.item_ids)) from exc
        except EmptyOrder as exc:
            raise Problem(422, "The cart is empty.", "empty-order") from exc
        except IdempotencyConflict as exc:
            raise Problem(422, str(exc), "idempotency-key-reused") from exc
        except CodNotAllowed as exc:
            raise Problem(422, str(exc), exc.code) from exc
        return Response(OrderOutputSerializer(order_get(order_id=order.pk), context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    @extend_schema(responses={200: OrderOutputSerializer, **problems(503)},
                   description="One order, live or archived (same shape).")
    def get(self, request: Request, order_id: uuid.UUID) -> Response:
        # Kept like the list (above); a 404 or 503 raises and is not kept.
        user_id = authenticated_user_id(request)
        key = page_key("order-api", user_id, request.build_absolute_uri(), orders_version(user_id=user_id))
        return Response(cached_answer(key=key, build=lambda: self._order(request, order_id)).data)

    @staticmethod
    def _order(request: Request, order_id: uuid.UUID) -> KeptAnswer:
        try:
            order = order_history_get(order_id=str(order_id), user_id=authenticated_user_id(request))
        except ArchiveUnavailable as exc:
            raise Problem(503, ARCHIVE_DOWN, "archive-unavailable") from exc
        if order is None:
            raise exceptions.NotFound("No such order.")
        return KeptAnswer(data=OrderOutputSerializer(order, context={"request": request}).data)


# --- The seller's side: their orders, and moving them along ---------------------------------------

class SellerOrderListApi(ListAPIView):
    """Paid orders holding the seller's items, newest first, each with only the seller's lines."""

    permission_classes = [IsSeller]
    serializer_class = SellerOrderOutputSerializer
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[Order]:
        return seller_order_list(seller_id=authenticated_user_id(self.request))

    @extend_schema(responses={200: SellerOrderOutputSerializer, **problems((404, "A made-up cursor."))})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class SellerOrderTransitionApi(APIView):
    permission_classes = [IsSeller]
    STEPS = {"packed": order_mark_packed, "shipped": order_mark_shipped, "delivered": order_mark_delivered}

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("step", str, OpenApiParameter.PATH, enum=list(STEPS))],
        responses={200: SellerOrderOutputSerializer,
                   **problems((409, "The step is not allowed now (`transition-not-allowed`, with `order_status`)."))},
        description="Move an order one step: placed → packed → shipped (in transit) → delivered. Repeating "
                    "a step is a no-op (200). Only orders whose every line is the seller's can be moved; "
                    "others are 404. A skipped step, a step back or a cancelled order is a 409 "
                    "`transition-not-allowed` problem with the order's `order_status`.",
    )
    def post(self, request: Request, order_id: uuid.UUID, step: str) -> Response:
        mark = self.STEPS.get(step)
        if mark is None:
            raise exceptions.NotFound("No such step: use packed, shipped or delivered.")
        try:
            mark(order_id=str(order_id), seller_id=authenticated_user_id(request))
        except OrderNotFound as exc:
            raise exceptions.NotFound("No such order.") from exc
        except TransitionNotAllowed as exc:
            raise Problem(409, str(exc), "transition-not-allowed", order_status=exc.current) from exc
        return Response(SellerOrderOutputSerializer(
            seller_order_get(seller_id=authenticated_user_id(request), order_id=order_id)).data)


class SellerShipmentListApi(ListAPIView):
    """The seller's shipments of paid orders, newest first: what to pack and hand to the courier."""

    permission_classes = [IsSeller]
    serializer_class = SellerShipmentOutputSerializer
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[Shipment]:
        only = self.request.query_params.get("status")
        if only is not None and only not in Shipment.Status.values:
            raise serializers.ValidationError({"status": [f"Choose one of: {', '.join(Shipment.Status.values)}."]})
        return seller_shipment_list(seller_id=authenticated_user_id(self.request), status=only)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, OpenApiParameter.QUERY, required=False,
                                     enum=Shipment.Status.values, description="Only shipments in this status.")],
        responses={200: SellerShipmentOutputSerializer, **problems(400, (404, "A made-up cursor."))})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@contextmanager
def _shipment_problems() -> Iterator[None]:
    """What every move of a seller's shipment may refuse: another seller's (or no) shipment, 404;
    a step not allowed from where it is, 409 with its status."""
    try:
        yield
    except OrderNotFound as exc:
        raise exceptions.NotFound("No such shipment.") from exc
    except TransitionNotAllowed as exc:
        raise Problem(409, str(exc), "transition-not-allowed", shipment_status=exc.current) from exc


def _shipment_answer(request: Request, shipment_id: int) -> Response:
    """The shipment as the seller sees it after the move."""
    return Response(SellerShipmentOutputSerializer(
        seller_shipment_get(seller_id=authenticated_user_id(request), shipment_id=shipment_id)).data)


class ShipmentHandoverInputSerializer(serializers.Serializer):
    courier = StrictCharField(max_length=100, validators=[NOT_BLANK])
    tracking_number = StrictCharField(max_length=100, validators=[NOT_BLANK])


class SellerShipmentTransitionApi(APIView):
    permission_classes = [IsSeller]
    parser_classes = JSON_ONLY
    STEPS = {"packed": Shipment.Status.PACKED, "shipped": Shipment.Status.IN_TRANSIT,
             "delivered": Shipment.Status.DELIVERED}

    @extend_schema(
        request=ShipmentHandoverInputSerializer,
        parameters=[OpenApiParameter("step", str, OpenApiParameter.PATH, enum=list(STEPS))],
        responses={200: SellerShipmentOutputSerializer,
                   **problems(400, (409, "The step is not allowed now (`transition-not-allowed`, with "
                                         "`shipment_status`)."))},
        description="Move one of the seller's shipments one step: pending → packed → shipped (in transit, "
                    "with `courier` and `tracking_number` in the body) → delivered. The order's status follows "
                    "from all its shipments. Repeating a step is a no-op (200). Other sellers' shipments are "
                    "404; a skipped step, a step back, or a shipment of a cancelled order is a 409.",
    )
    def post(self, request: Request, shipment_id: int, step: str) -> Response:
        to = self.STEPS.get(step)
        if to is None:
            raise exceptions.NotFound("No such step: use packed, shipped or delivered.")
        handover = {"courier": "", "tracking_number": ""}
        if to == Shipment.Status.IN_TRANSIT:
            data = ShipmentHandoverInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            handover = data.validated_data
        with _shipment_problems():
            shipment_advance(shipment_id=shipment_id, to=to, seller_id=authenticated_user_id(request), **handover)
        return _shipment_answer(request, shipment_id)


class CashCollectedInputSerializer(serializers.Serializer):
    cash_collected_paise = StrictIntegerField(min_value=1, max_value=2**63 - 1,
                                              help_text="The cash collected at the door: the shipment's "
                                                        "`cash_due_paise`.")


class SellerShipmentCashCollectedApi(APIView):
    permission_classes = [IsSeller]
    parser_classes = JSON_ONLY

    @extend_schema(
        request=CashCollectedInputSerializer,
        responses={200: SellerShipmentOutputSerializer,
                   **problems(400, (409, "Not delivered yet (`transition-not-allowed`, with `shipment_status`), or "
                                         "a prepaid order's shipment (`not-cash-on-delivery`)."),
                              (422, "Not the cash due (`cash-amount-mismatch`, with `cash_due_paise`)."))},
        description="Cash on delivery: the cash collected for one of the seller's delivered shipments, which must "
                    "be its `cash_due_paise` (its items' price, plus the shipping fee on the order's first shipment "
                    "to leave). Once every shipment of the order is paid or came back, the order's payment "
                    "succeeds for the cash collected. Repeating it is a no-op (200).",
    )
    def post(self, request: Request, shipment_id: int) -> Response:
        data = CashCollectedInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            with _shipment_problems():
                shipment_cash_collect(shipment_id=shipment_id, seller_id=authenticated_user_id(request),
                                      cash_collected_paise=data.validated_data["cash_collected_paise"])
        except NotCashOnDelivery as exc:
            raise Problem(409, str(exc), "not-cash-on-delivery") from exc
        except CashAmountMismatch as exc:
            raise Problem(422, str(exc), "cash-amount-mismatch", cash_due_paise=exc.due) from exc
        return _shipment_answer(request, shipment_id)


class DeliveryFailedInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=list(DELIVERY_FAILURES),
                                     help_text="refused (at the door), unreachable (nobody there, phone off), "
                                               "address (not found), or other.")
    note = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class SellerShipmentDeliveryFailedApi(APIView):
    permission_classes = [IsSeller]
    parser_classes = JSON_ONLY

    @extend_schema(
        request=DeliveryFailedInputSerializer,
        responses={200: SellerShipmentOutputSerializer,
                   **problems(400, (409, "Not with the courier (`transition-not-allowed`, with "
                                         "`shipment_status`)."))},
        description="An in-transit shipment came back undelivered (refused at the door, nobody there, no such "
                    "address): call it once it is back at your warehouse. It becomes `returned`, its items go back "
                    "in your stock there, and the order's status follows. Cash on delivery: nothing is refunded "
                    "(nothing was paid). Prepaid: its price is refunded, and the shipping fee too when nothing of "
                    "the order was delivered. Repeating it is a no-op (200).",
    )
    def post(self, request: Request, shipment_id: int) -> Response:
        data = DeliveryFailedInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with _shipment_problems():
            shipment_delivery_fail(shipment_id=shipment_id, seller_id=authenticated_user_id(request),
                                   **data.validated_data)
        return _shipment_answer(request, shipment_id)



# --- The customer's side after paying: cancel before shipping, return after delivery ------------

class OrderCancelInputSerializer(serializers.Serializer):
    shipment_id = StrictIntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True,
                                     help_text="Only this package; omit to cancel the whole order.")
    reason = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class OrderCancelApi(APIView):
    parser_classes = JSON_ONLY

    @extend_schema(
        request=OrderCancelInputSerializer,
        responses={200: OrderOutputSerializer,
                   **problems(400, (404, "Not your order, or no such package in it."),
                              (409, "It has left the warehouse (`transition-not-allowed`, with `order_status`)."))},
        description="Cancel the order, or one package of it, before it leaves the warehouse. Unpaid: the "
                    "whole order is cancelled and its payment voided. Paid: each package still waiting or "
                    "packed is cancelled, its items go back in stock and their price is refunded (the shipping "
                    "fee too once nothing is left to ship). Repeating it is a no-op (200).",
    )
    def post(self, request: Request, order_id: uuid.UUID) -> Response:
        data = OrderCancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            order_cancel(order_id=order_id, user_id=authenticated_user_id(request),
                         shipment_id=data.validated_data.get("shipment_id"),
                         reason=data.validated_data["reason"])
        except OrderNotFound as exc:
            raise exceptions.NotFound("No such order or package.") from exc
        except TransitionNotAllowed as exc:
            raise Problem(409, str(exc), "transition-not-allowed", order_status=exc.current) from exc
        return Response(OrderOutputSerializer(order_get(order_id=order_id), context={"request": request}).data)


class OrderPaymentRetryApi(APIView):
    @extend_schema(
        request=None,
        responses={200: OrderOutputSerializer,
                   **problems((404, "Not your order (or an archived one)."),
                              (409, "It can't be paid again: the stock is gone, an item is no longer sold or "
                                    "nothing can reach its PIN code now (`stock-gone`, with `items`: product ids, "
                                    "and `available` where stock is short); or the order is not cancelled for a "
                                    "failed or expired payment, was paid after all, or was cancelled longer ago "
                                    "than ORDER_RETRY_WINDOW_SECONDS (`retry-not-allowed`, with `order_status`)."))},
        description="Pay again for an order cancelled because its payment failed or expired: its stock is "
                    "allocated again, it waits for payment again (`pending_payment`, a new `expires_at`) and "
                    "`payment_url` is a new payment attempt's page. Same order, number and prices. Repeating it "
                    "returns the same attempt (200); an earlier attempt that still succeeds is refunded. "
                    "`payment_url` is empty when the gateway did not answer: repeat the call.",
    )
    def post(self, request: Request, order_id: uuid.UUID) -> Response:
        try:
            order_payment_retry(order_id=order_id, user_id=authenticated_user_id(request))
        except OrderNotFound as exc:
            raise exceptions.NotFound("No such order.") from exc
        except InsufficientStock as exc:
            raise Problem(409, str(exc), "stock-gone",
                          items=[{"product_id": i, "available": n} for i, n in sorted(exc.short.items())]) from exc
        except (NotDeliverable, ItemsUnavailable) as exc:
            raise Problem(409, str(exc), "stock-gone",
                          items=[{"product_id": i, "available": 0} for i in sorted(exc.item_ids)]) from exc
        except RetryNotAllowed as exc:
            current = order_get(order_id=order_id)
            raise Problem(409, str(exc), "retry-not-allowed",
                          order_status=current.status if current else None) from exc
        return Response(OrderOutputSerializer(order_get(order_id=order_id), context={"request": request}).data)


class OrderReorderApi(APIView):
    @extend_schema(
        request=None,
        responses={200: ReorderOutputSerializer, **problems((404, "Not your order."), 503)},
        description="Buy again: put a past order's products (live or archived) in the cart, at today's price. "
                    "A product no longer sold, or out of stock, is skipped; a quantity above what is in stock "
                    "(or the cart's per-line limit) is capped. Each product says what happened in `added`, "
                    "`capped` or `skipped`, with a `note` for the customer. Nothing is reserved: checkout does "
                    "that. Repeating it adds the products again (up to what is in stock).",
    )
    def post(self, request: Request, order_id: uuid.UUID) -> Response:
        try:
            result = order_reorder(order_id=order_id, user_id=authenticated_user_id(request))
        except OrderNotFound as exc:
            raise exceptions.NotFound("No such order.") from exc
        except ArchiveUnavailable as exc:
            raise Problem(503, ARCHIVE_DOWN, "archive-unavailable") from exc
        return Response(ReorderOutputSerializer(result).data)


class ReturnItemInputSerializer(serializers.Serializer):
    product_id = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    quantity = StrictIntegerField(min_value=1, max_value=100)


class ReturnCreateInputSerializer(serializers.Serializer):
    shipment_id = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    items = serializers.ListField(child=ReturnItemInputSerializer(), min_length=1, max_length=ORDER_MAX_LINES)
    reason = StrictCharField(max_length=500, validators=[NOT_BLANK])


class OrderReturnCreateApi(APIView):
    parser_classes = JSON_ONLY

    @extend_schema(
        request=ReturnCreateInputSerializer,
        responses={201: ReturnOutputSerializer,
                   **problems(400, (404, "Not your order, or no such package in it."),
                              (409, "Not returnable (`return-not-allowed`): not delivered yet, past the item's "
                                    "return window, or more than was delivered and not already asked back."))},
        description="Ask to return items of one delivered package, with a reason. The seller approves (or "
                    "declines, saying why); once the items reach them, their price is refunded.",
    )
    def post(self, request: Request, order_id: uuid.UUID) -> Response:
        data = ReturnCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            created = return_request(order_id=order_id, user_id=authenticated_user_id(request),
                                     shipment_id=values["shipment_id"],
                                     units=[ReturnedUnits(x["product_id"], x["quantity"]) for x in values["items"]],
                                     reason=values["reason"])
        except OrderNotFound as exc:
            raise exceptions.NotFound("No such order or package.") from exc
        except ReturnNotAllowed as exc:
            raise Problem(409, str(exc), "return-not-allowed") from exc
        return Response(ReturnOutputSerializer(created).data, status=status.HTTP_201_CREATED)


class SellerReturnListApi(ListAPIView):
    """Returns of the seller's shipments, newest first."""

    permission_classes = [IsSeller]
    serializer_class = ReturnOutputSerializer
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[ReturnRequest]:
        only = self.request.query_params.get("status")
        if only is not None and only not in ReturnRequest.Status.values:
            raise serializers.ValidationError({"status": [f"Choose one of: {', '.join(ReturnRequest.Status.values)}."]})
        return seller_return_list(seller_id=authenticated_user_id(self.request), status=only)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, OpenApiParameter.QUERY, required=False,
                                     enum=ReturnRequest.Status.values)],
        responses={200: ReturnOutputSerializer, **problems(400, (404, "A made-up cursor."))})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ReturnApproveInputSerializer(serializers.Serializer):
    note = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class ReturnRejectInputSerializer(serializers.Serializer):
    note = StrictCharField(max_length=500, validators=[NOT_BLANK], help_text="Why: the customer reads it.")


class ReturnRestockInputSerializer(serializers.Serializer):
    product_id = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    warehouse_id = StrictIntegerField(min_value=1, max_value=2**63 - 1, allow_null=True,
                                      help_text="Your warehouse it goes back into; null: written off (damaged).")


class ReturnReceiveInputSerializer(serializers.Serializer):
    items = serializers.ListField(child=ReturnRestockInputSerializer(), max_length=ORDER_MAX_LINES)


_RETURN_REFUSALS = problems(400, (409, "Decided already, received before it was approved "
                                      "(`transition-not-allowed`), or an item left without a warehouse "
                                      "(`return-not-allowed`)."))


class _SellerReturnStepApi(APIView):
    permission_classes = [IsSeller]
    parser_classes = JSON_ONLY
    input_serializer: type[serializers.Serializer]

    def post(self, request: Request, return_id: int) -> Response:
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            self.step(return_id, authenticated_user_id(request), data.validated_data)
        except OrderNotFound as exc:
            raise exceptions.NotFound("No such return.") from exc
        except TransitionNotAllowed as exc:
            raise Problem(409, str(exc), "transition-not-allowed", return_status=exc.current) from exc
        except OrderError as exc:
            raise Problem(409, str(exc), "return-not-allowed") from exc
        returned = seller_return_list(seller_id=authenticated_user_id(request)).get(pk=return_id)
        return Response(ReturnOutputSerializer(returned).data)

    def step(self, return_id: int, seller_id: int, values: dict) -> None:
        raise NotImplementedError


class SellerReturnApproveApi(_SellerReturnStepApi):
    input_serializer = ReturnApproveInputSerializer

    @extend_schema(request=ReturnApproveInputSerializer, responses={200: ReturnOutputSerializer, **_RETURN_REFUSALS},
                   description="Approve a return: the customer is told to send the items back. A repeat is a no-op.")
    def post(self, request: Request, return_id: int) -> Response:
        return super().post(request, return_id)

    def step(self, return_id: int, seller_id: int, values: dict) -> None:
        return_approve(return_id=return_id, seller_id=seller_id, note=values["note"])


class SellerReturnRejectApi(_SellerReturnStepApi):
    input_serializer = ReturnRejectInputSerializer

    @extend_schema(request=ReturnRejectInputSerializer, responses={200: ReturnOutputSerializer, **_RETURN_REFUSALS},
                   description="Decline a return, saying why (the customer reads `note`). A repeat is a no-op.")
    def post(self, request: Request, return_id: int) -> Response:
        return super().post(request, return_id)

    def step(self, return_id: int, seller_id: int, values: dict) -> None:
        return_reject(return_id=return_id, seller_id=seller_id, note=values["note"])


class SellerReturnReceiveApi(_SellerReturnStepApi):
    input_serializer = ReturnReceiveInputSerializer

    @extend_schema(request=ReturnReceiveInputSerializer, responses={200: ReturnOutputSerializer, **_RETURN_REFUSALS},
                   description="The returned items arrived: for each, the warehouse of yours it is restocked at, "
                               "or null when written off as damaged. The customer is refunded their price. A repeat "
                               "is a no-op.")
    def post(self, request: Request, return_id: int) -> Response:
        return super().post(request, return_id)

    def step(self, return_id: int, seller_id: int, values: dict) -> None:
        return_receive(return_id=return_id, seller_id=seller_id, actor_id=seller_id,
                       restock_to={x["product_id"]: x["warehouse_id"] for x in values["items"]})
