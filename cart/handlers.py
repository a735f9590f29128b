"""The cart reacts to orders: what was ordered leaves the cart."""

from cart.services import cart_clear_items
from events.interface import Event, consumer


@consumer("orders.order_placed.v1", name="cart.clear_ordered_items")
def on_order_placed(event: Event) -> None:
    """Remove the ordered items from the customer's cart.

    Idempotent on its own, not only through the handled-event marker (which lives on the main
    database, while the cart may be on its own): removing lines that are gone removes nothing.
    The whole line goes, not `quantity` of it: a decrement would not be safe to repeat.
    """
    user_id = event.payload.get("user_id")
    item_ids = [line["item_id"] for line in event.payload.get("lines", [])]
    if user_id and item_ids:
        cart_clear_items(user_id=int(user_id), item_ids=item_ids, reason="ordered")
