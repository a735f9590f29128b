"""Tables of the orders app (filled by its issue)."""
