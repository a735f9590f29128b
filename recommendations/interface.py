"""What other apps may use of recommendations (recommendations issue)."""
