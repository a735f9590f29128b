"""Tables of the notifications app (filled by its issue)."""
