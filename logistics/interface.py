"""What other apps may use of logistics: serviceability and the delivery promise (catalog issue)."""
