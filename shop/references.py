"""How people name an order: "#" and the first 8 hex digits of its id (#3F2A9C01), the same on every
page, email and admin list; and back, from a reference someone quotes to the start of the id.

In shop rather than orders: inventory and payments show and search their rows by the order they
belong to, and upstream apps don't import orders.
"""

from __future__ import annotations

import re

_REFERENCE = re.compile(r"#?([0-9a-fA-F]{8})")


def order_reference(order_id: object) -> str:
    return f"#{str(order_id).replace('-', '')[:8].upper()}"


def order_id_prefix(text: str) -> str | None:
    """The start of the order id that a reference shows ("#3F2A9C01" → "3f2a9c01"); None when `text`
    is not a reference."""
    match = _REFERENCE.fullmatch(text.strip())
    return match.group(1).lower() if match else None
