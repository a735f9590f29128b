"""Tables of the cart app (filled by its issue)."""
