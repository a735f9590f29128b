"""What other apps may use of the wishlist.

- the storefront header: `wishlist_count(request)`;
- product pages and search results: `wishlist_item_ids(user_id=..., item_ids=[...])` to mark
  the items a customer saved (one query), and the `wishlist:add` form endpoint.
"""

from wishlist.selectors import wishlist_item_ids
from wishlist.visitor import wishlist_count

__all__ = ["wishlist_count", "wishlist_item_ids"]
