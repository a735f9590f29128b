"""Tables of the recommendations app (filled by its issue)."""
