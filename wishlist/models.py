"""Tables of the wishlist app (filled by its issue)."""
