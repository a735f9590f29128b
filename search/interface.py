"""What other apps may use of search (filled by the search issue)."""
