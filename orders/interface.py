"""What other apps may use of orders. (How an order is named: shop.references.)"""

__all__: list[str] = []
