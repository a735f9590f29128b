"""Money is integer paise everywhere; this is the one place it becomes text."""

from __future__ import annotations


def format_inr(paise: int | None, *, symbol: bool = True) -> str:
    """12345678 paise → '₹1,23,456.78' (Indian digit grouping); whole rupees drop the '.00'."""
    if paise is None:
        return ""
    sign = "-" if paise < 0 else ""
    rupees, remainder = divmod(abs(int(paise)), 100)
    digits = str(rupees)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        digits = ",".join([*groups, tail])
    text = f"{digits}.{remainder:02d}" if remainder else digits
    return f"{sign}{'₹' if symbol else ''}{text}"
