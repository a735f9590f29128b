"""Tables of the catalog app (filled by its issue)."""
