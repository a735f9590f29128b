"""What other apps may use of notifications (notifications issue)."""
