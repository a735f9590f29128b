"""What other apps may use of the cart (checkout issue)."""
