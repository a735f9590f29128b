"""Run by test_own_database.py in a fresh process whose settings give cart and wishlist their own
databases (CART_DATABASE_URL, WISHLIST_DATABASE_URL). Prints what it saw as JSON."""

from __future__ import annotations

import json
import os
import sys
import uuid

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

import django

django.setup()

from django.db import router, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from cart.interface import CartOwner, cart_add, cart_lines  # noqa: E402
from cart.models import Cart  # noqa: E402
from cart.selectors import cart_database  # noqa: E402
from cart.services import cart_merge  # noqa: E402
from catalog.services import category_create, item_create  # noqa: E402
from events.interface import emit  # noqa: E402
from events.models import OutboxEvent  # noqa: E402
from events.registry import register  # noqa: E402
from events.services import outbox_databases, relay_pending  # noqa: E402
from inventory.services import stock_set  # noqa: E402
from wishlist.selectors import wishlist_database  # noqa: E402
from wishlist.services import wishlist_add  # noqa: E402

received: list[tuple[str, str]] = []
for type_ in ("cart.item_added.v1", "cart.merged.v1", "cart.item_removed.v1", "wishlist.item_added.v1"):
    register(type_, name=f"script.recorder.{type_}")(lambda event: received.append((event.type, event.key)))

user = User.objects.create_user(email=f"{uuid.uuid4().hex[:8]}@example.com", password="a-long-test-password")
category = category_create(name="Kitchen", slug="kitchen")
kettle = item_create(seller_id=1, sku="K-1", title="Kettle", category_id=category.pk, price_paise=10000)
mug = item_create(seller_id=1, sku="M-1", title="Mug", category_id=category.pk, price_paise=2000)
for item in (kettle, mug):
    stock_set(item_id=item.item_id, warehouse_id=1, on_hand=5, actor_id=None, source="system")
# What the catalog and inventory emitted is not this script's business.
OutboxEvent.objects.using("default").update(published_at=timezone.now())

cart_add(owner=CartOwner.customer(user.pk), item_id=kettle.item_id, quantity=2)
cart_add(owner=CartOwner.visitor("visitor-token"), item_id=mug.item_id, quantity=1)
cart_merge(token="visitor-token", user_id=user.pk)
wishlist_add(user_id=user.pk, item_id=mug.item_id)

before_relay = {alias: list(OutboxEvent.objects.using(alias).filter(published_at__isnull=True)
                            .order_by("id").values_list("type", flat=True))
                for alias in outbox_databases()}
first = relay_pending()

# An order placed (main database) takes the kettle out of the cart (cart database).
with transaction.atomic():
    emit("orders.order_placed.v1", key="order-1",
         payload={"order_id": "order-1", "user_id": user.pk,
                  "lines": [{"item_id": kettle.item_id, "quantity": 2}]})
relay_pending()
relay_pending()

print(json.dumps({
    "cart_alias": cart_database(),
    "wishlist_alias": wishlist_database(),
    "cart_read_alias": router.db_for_read(Cart),
    "outbox_databases": outbox_databases(),
    "pending_before_relay": before_relay,
    "first_relay": {"published": first.published, "failed": first.failed},
    "received": received,
    "lines_after_order": [[line.item_id, line.quantity] for line in cart_lines(user_id=user.pk)],
    "kettle": kettle.item_id,
    "mug": mug.item_id,
    "unpublished_left": {alias: OutboxEvent.objects.using(alias).filter(published_at__isnull=True).count()
                         for alias in outbox_databases()},
}))
