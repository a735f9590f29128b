"""The GST split of a tax-inclusive amount, in integer paise: exact, no floats, no drift.

From a line's tax-inclusive total T and its rate r %: taxable = T·100/(100+r) rounded half up,
tax = T − taxable; intra-state, CGST = ⌊tax/2⌋ and SGST = tax − CGST; inter-state, IGST = tax.
So on every line taxable + taxes == T to the paisa, and an invoice's totals, the sums of its
lines, add up to what the customer paid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

INDIA = ZoneInfo("Asia/Kolkata")


@dataclass(frozen=True, slots=True)
class TaxSplit:
    taxable: int
    cgst: int
    sgst: int
    igst: int

    @property
    def tax(self) -> int:
        return self.cgst + self.sgst + self.igst

    @property
    def total(self) -> int:
        return self.taxable + self.tax


def split_inclusive(total_paise: int, rate: int, *, intra_state: bool) -> TaxSplit:
    if total_paise < 0 or rate < 0:
        raise ValueError(f"Cannot split {total_paise} paise at {rate} %.")
    base = 100 + rate
    taxable = (200 * total_paise + base) // (2 * base)  # T·100/(100+r), half up, in integers
    tax = total_paise - taxable
    if intra_state:
        cgst = tax // 2
        return TaxSplit(taxable=taxable, cgst=cgst, sgst=tax - cgst, igst=0)
    return TaxSplit(taxable=taxable, cgst=0, sgst=0, igst=tax)


def financial_year(moment: dt.datetime | dt.date) -> str:
    """India's financial year, April to March, of a moment (in Indian time): "2026-27"."""
    day = moment.astimezone(INDIA).date() if isinstance(moment, dt.datetime) else moment
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def normalise_state(state: str) -> str:
    """"Karnataka", " KARNATAKA " and "Jammu & Kashmir" compare as India Post writes them."""
    return " ".join(state.replace("&", " AND ").upper().split())
