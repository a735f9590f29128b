"""What other apps may use of the wishlist.

- the storefront header: `wishlist_count(request)`, and `header_cache_keys(request, user_id)`,
  the keys it reads, for the page's one prefetch;
- product pages and search results: `wishlist_item_ids(user_id=..., item_ids=[...])` to mark
  the items a customer saved (one query), and the `wishlist:add` form endpoint;
- kept pages: `wishlist_version(user_id=...)`, a token that changes with the wishlist (no query).
"""

from wishlist.selectors import wishlist_item_ids, wishlist_version
from wishlist.visitor import header_cache_keys, wishlist_count

__all__ = ["header_cache_keys", "wishlist_count", "wishlist_item_ids", "wishlist_version"]
