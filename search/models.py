"""Tables of the search app (filled by its issue)."""
