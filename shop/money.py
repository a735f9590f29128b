"""Money is integer paise everywhere; this is the one place it becomes text.

`format_inr` is the one formatter: the `rupees` template filter (shop/templatetags/money.py),
the admin's `inr` and MoneyColumn (shop/admin.py), notifications and the live-reports page
all call it. Digits are grouped the Indian way (1,23,45,678), by `group_indian`.
"""

from __future__ import annotations


def group_indian(number: int) -> str:
    """1234567 → '12,34,567': the last three digits, then pairs (lakh, crore). Counts use it too."""
    digits = str(abs(int(number)))
    head, tail = digits[:-3], digits[-3:]
    groups: list[str] = []
    while head:
        groups.insert(0, head[-2:])
        head = head[:-2]
    return ("-" if number < 0 else "") + ",".join([*groups, tail])


def format_inr(paise: int | None, *, symbol: bool = True, always_paise: bool = False, empty: str = "") -> str:
    """12345678 paise → '₹1,23,456.78' (Indian digit grouping).

    Whole rupees drop the '.00' ('₹1,299'), as shoppers read a price, unless `always_paise`
    ('₹1,299.00', as staff read an amount, so a column lines up). A negative amount is '-₹50.50';
    None is `empty`."""
    if paise is None:
        return empty
    sign = "-" if paise < 0 else ""
    rupees, remainder = divmod(abs(int(paise)), 100)
    text = group_indian(rupees)
    if remainder or always_paise:
        text = f"{text}.{remainder:02d}"
    return f"{sign}{'₹' if symbol else ''}{text}"
