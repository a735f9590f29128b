"""What other apps may use of the wishlist (checkout issue)."""
