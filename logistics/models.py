"""Tables of the logistics app (filled by its issue)."""
