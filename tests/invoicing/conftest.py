"""A shop with a seller who ships from Delhi (DEL1) and Bengaluru (BLR1) to a customer in Bengaluru,
phones (electronics/mobiles, HSN 8517, 18 %) and books (HSN 4901, 0 %), and the event orders emit
when a shipment leaves."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from django.utils import timezone

from catalog.services import category_create, item_create
from events.interface import Event
from invoicing.types import SHIPMENT_SHIPPED
from tests.shop_world import build_world

_shipment_ids = itertools.count(1000)


class Shop:
    def __init__(self, world):
        self.world = world
        self.seller = world.seller
        self.customer = world.customer
        electronics = category_create(name="Electronics", slug="electronics")
        mobiles = category_create(name="Mobiles", slug="mobiles", parent_id=electronics.pk, hsn_code="8517")
        phones = category_create(name="Feature phones", slug="feature-phones", parent_id=mobiles.pk)  # inherits
        books = category_create(name="Books", slug="books", hsn_code="4901")
        self.phone = item_create(seller_id=self.seller.pk, sku="PHONE-1", title="Redmi Note 13 5G",
                                 category_id=phones.pk, price_paise=1_299_900, brand="Xiaomi").item_id
        self.book = item_create(seller_id=self.seller.pk, sku="BOOK-1", title="Malgudi Days",
                                category_id=books.pk, price_paise=29_900, brand="Penguin").item_id

    def payload(self, *, warehouse: str = "BLR1", shipment_id: int | None = None, seller_id: int | None = None,
                state: str = "KARNATAKA", pin_code: str = "560001", shipped_at: dt.datetime | None = None,
                lines: list[dict] | None = None, **extra) -> dict:
        order_id = str(uuid.uuid4())
        return {
            "version": 1, "shipment_id": shipment_id or next(_shipment_ids), "order_id": order_id,
            "order_reference": "BZ-26-0000123", "user_id": self.customer.pk,
            "seller_id": seller_id or self.seller.pk, "warehouse_id": self.world.warehouses[warehouse].pk,
            "shipped_at": (shipped_at or timezone.now()).isoformat(),
            "buyer": {"name": "Asha Rao", "line1": "12 MG Road", "line2": "", "city": "Bengaluru",
                      "state": state, "pin_code": pin_code},
            "lines": lines if lines is not None else [
                {"item_id": self.phone, "sku": "PHONE-1", "title": "Redmi Note 13 5G", "quantity": 1,
                 "unit_price_paise": 1_299_900},
                {"item_id": self.book, "sku": "BOOK-1", "title": "Malgudi Days", "quantity": 3,
                 "unit_price_paise": 29_900},
            ],
            **extra,
        }


def shipment_event(payload: dict) -> Event:
    return Event(event_id=uuid.uuid4(), type=SHIPMENT_SHIPPED, key=payload["order_id"], payload=payload,
                 occurred_at=timezone.now())


@pytest.fixture
def shop(db, user_factory) -> Shop:
    return Shop(build_world(user_factory))


@pytest.fixture
def shop_tx(transactional_db, user_factory) -> Shop:
    return Shop(build_world(user_factory))
