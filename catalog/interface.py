"""What other apps may use of the catalog: items and categories (filled by the catalog issue)."""
