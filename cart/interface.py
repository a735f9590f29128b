"""What other apps may use of the cart.

- checkout: `cart_lines(user_id=...)` → [CartLine(item_id, quantity)], in the order added;
- the storefront header: `cart_count(request)` (no query for a visitor without a cart), and
  `header_cache_keys(request, user_id)`, the key it reads, for the page's one prefetch;
- the wishlist's "move" actions: `cart_add`, `cart_remove`, with `CartOwner` and `CartError`;
- `cart_clear_items(user_id=..., item_ids=...)` (the cart clears ordered items itself, on
  `orders.order_placed.v1`; call it only for something else).
"""

from cart.models import MAX_QUANTITY_PER_LINE
from cart.selectors import CartLine, CartOwner, cart_lines
from cart.services import CartError, LineChange, cart_add, cart_clear_items, cart_remove
from cart.visitor import cart_count, header_cache_keys

__all__ = [
    "MAX_QUANTITY_PER_LINE",
    "CartError",
    "CartLine",
    "CartOwner",
    "LineChange",
    "cart_add",
    "cart_clear_items",
    "cart_count",
    "cart_lines",
    "cart_remove",
    "header_cache_keys",
]
