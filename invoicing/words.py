"""An amount in words, the Indian way (lakh, crore), as invoices print it."""

from __future__ import annotations

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [_ONES[hundreds], "hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    elif rest:
        words.append(_ONES[rest])
    return words


def _number(n: int) -> list[str]:
    if n == 0:
        return ["zero"]
    words: list[str] = []
    crores, n = divmod(n, 10_000_000)
    if crores:
        words += [*_number(crores), "crore"]
    lakhs, n = divmod(n, 100_000)
    if lakhs:
        words += [*_below_thousand(lakhs), "lakh"]
    thousands, n = divmod(n, 1000)
    if thousands:
        words += [*_below_thousand(thousands), "thousand"]
    return words + _below_thousand(n)


def rupees_in_words(paise: int) -> str:
    """123456789 paise → "Rupees twelve lakh thirty-four thousand five hundred sixty-seven and
    eighty-nine paise only"."""
    rupees, rest = divmod(abs(int(paise)), 100)
    text = "Rupees " + " ".join(_number(rupees))
    if rest:
        text += " and " + " ".join(_number(rest)) + " paise"
    return text + " only"
