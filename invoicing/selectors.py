"""Reads of invoices, always through who is asking: the customer, the seller or staff."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from invoicing.models import Invoice


def invoice_get_for(*, user: AbstractBaseUser | AnonymousUser, invoice_id: int) -> Invoice | None:
    """The invoice with its lines if `user` may see it (its customer, its seller, staff), else None:
    to anyone else it does not exist."""
    if not getattr(user, "is_authenticated", False):
        return None
    rows = Invoice.objects.prefetch_related("lines").filter(pk=invoice_id)
    if not getattr(user, "is_staff", False):  # a field of the project's User, not of AbstractBaseUser
        mine = Q(user_id=user.pk)
        if getattr(user, "is_seller", False):
            mine |= Q(seller_id=user.pk)
        rows = rows.filter(mine)
    return rows.first()


def invoice_list_for_customer(*, user_id: int) -> QuerySet[Invoice]:
    return Invoice.objects.filter(user_id=user_id).order_by("-id")


def invoice_list_for_seller(*, seller_id: int, financial_year: str | None = None) -> QuerySet[Invoice]:
    rows = Invoice.objects.filter(seller_id=seller_id)
    if financial_year:
        rows = rows.filter(financial_year=financial_year)
    return rows.order_by("-id")


def invoice_for_shipment(shipment_id: int) -> Invoice | None:
    return Invoice.objects.filter(shipment_id=shipment_id).first()
