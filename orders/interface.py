"""What other apps may use of orders (checkout issue)."""
