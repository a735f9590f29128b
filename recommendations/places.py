"""A PIN code's state, and a category's ancestors: read once per job run through the owning
apps' interfaces, for the few distinct values the lake holds."""

from __future__ import annotations

from collections.abc import Iterable

from catalog.interface import category_get
from logistics.interface import pin_code_get

# The postal circle by a PIN's first two digits: what the state is when logistics has not loaded
# the PIN (India Post's zones; a few circles span two states and take the larger one).
PIN_PREFIX_STATES: dict[str, str] = {
    "11": "Delhi", "12": "Haryana", "13": "Haryana", "14": "Punjab", "15": "Punjab", "16": "Chandigarh",
    "17": "Himachal Pradesh", "18": "Jammu and Kashmir", "19": "Jammu and Kashmir",
    **dict.fromkeys(("20", "21", "22", "23", "24", "25", "27", "28"), "Uttar Pradesh"),
    "26": "Uttarakhand", **dict.fromkeys(("30", "31", "32", "33", "34"), "Rajasthan"),
    **dict.fromkeys(("36", "37", "38", "39"), "Gujarat"),
    **dict.fromkeys(("40", "41", "42", "43", "44"), "Maharashtra"),
    **dict.fromkeys(("45", "46", "47", "48"), "Madhya Pradesh"), "49": "Chhattisgarh", "50": "Telangana",
    **dict.fromkeys(("51", "52", "53"), "Andhra Pradesh"), **dict.fromkeys(("56", "57", "58", "59"), "Karnataka"),
    **dict.fromkeys(("60", "61", "62", "63", "64"), "Tamil Nadu"), **dict.fromkeys(("67", "68", "69"), "Kerala"),
    **dict.fromkeys(("70", "71", "72", "73", "74"), "West Bengal"), **dict.fromkeys(("75", "76", "77"), "Odisha"),
    "78": "Assam", "79": "Arunachal Pradesh", **dict.fromkeys(("80", "81", "82", "83", "84", "85"), "Bihar"),
}


def pin_states(pins: Iterable[str]) -> dict[str, str]:
    """{PIN: STATE} for the PINs whose state is known (logistics first, then the postal circle), in
    capitals as India Post writes them (logistics' PIN data): one key whichever source answered."""
    states = {}
    for pin in pins:
        if not pin:
            continue
        info = pin_code_get(pin)
        state = info.state if info is not None and info.state else PIN_PREFIX_STATES.get(pin[:2])
        if state:
            states[pin] = state.upper()
    return states


def category_lineage(category_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """{category id: (itself, its parent, …, its root)}: an item counts in every category above it."""
    lineage = {}
    for category_id in category_ids:
        info = category_get(category_id)
        lineage[category_id] = (category_id, *reversed(info.ancestor_ids)) if info is not None else (category_id,)
    return lineage
