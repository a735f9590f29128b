"""What other apps may use of inventory: availability, reservations (checkout issue)."""
