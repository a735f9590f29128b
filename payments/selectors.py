from payments.models import Payment


def payment_for_order(*, order_id: str) -> Payment | None:
    return Payment.objects.filter(order_id=order_id).first()


def payment_statuses(*, order_ids) -> dict[str, str]:
    """Our status of each order's payment; orders without a payment are absent."""
    return dict(Payment.objects.filter(order_id__in=list(order_ids)).values_list("order_id", "status"))
