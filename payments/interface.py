"""What other apps may use of payments (checkout issue)."""
