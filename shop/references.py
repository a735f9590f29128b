"""How people name an order: its number (BZ-26-0001234, given by orders.numbers), the same on
every page, email and admin list; before orders had numbers, "#" and the first 8 hex digits of its
id (#3F2A9C01), which is still what an order without one shows. And back, from what someone quotes
to the order: a number, or the start of the id an old reference shows.

In shop rather than orders: inventory and payments show and search their rows by the order they
belong to, and upstream apps don't import orders. They keep only the order's id, so the number is
looked up when a screen shows it: orders hands its two lookups to this module when it starts
(OrdersConfig.ready, `order_number_lookups_register`); without them (orders not loaded) every
order reads by its old reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

_REFERENCE = re.compile(r"#?([0-9a-fA-F]{8})")
_NUMBER = re.compile(r"[A-Za-z]+-\d{2}-\d{7,}")


def order_reference(order_id: object, number: str | None = None) -> str:
    """The order's number when it has one (BZ-26-0001234), else the old "#" and first 8 hex
    digits of its id (orders made, archived or announced in an event before numbers existed)."""
    return number or f"#{str(order_id).replace('-', '')[:8].upper()}"


def order_id_prefix(text: str) -> str | None:
    """The start of the order id that an old reference shows ("#3F2A9C01" → "3f2a9c01"); None when
    `text` is not such a reference."""
    match = _REFERENCE.fullmatch(text.strip())
    return match.group(1).lower() if match else None


@dataclass(frozen=True)
class OrderNumberLookups:
    numbers: Callable[[Collection[str]], Mapping[str, str]]  # order ids → their numbers (one query)
    ids_by_number: Callable[[str], list[str]]  # a number → the ids of the orders that have it


_lookups: OrderNumberLookups | None = None


def order_number_lookups_register(lookups: OrderNumberLookups) -> None:
    global _lookups
    _lookups = lookups


def order_references(order_ids: Collection[object]) -> dict[object, str]:
    """{order id: how people name it} for many orders at once (an admin page's rows)."""
    numbers = _lookups.numbers({str(order_id) for order_id in order_ids}) if _lookups and order_ids else {}
    return {order_id: order_reference(order_id, numbers.get(str(order_id))) for order_id in order_ids}


def order_ids_by_number(text: str) -> list[str] | None:
    """The ids (as text) of the orders with the number `text` ("bz-26-0001234" too); None when
    `text` is not a number."""
    text = text.strip()
    if _lookups is None or not _NUMBER.fullmatch(text):
        return None
    return _lookups.ids_by_number(text.upper())
