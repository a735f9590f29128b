"""The GST split of tax-inclusive prices: exact to the paisa, whatever the amounts and rates."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from invoicing.tax import financial_year, normalise_state, split_inclusive
from invoicing.words import rupees_in_words

RATES = st.sampled_from([0, 5, 12, 18, 28])
PAISE = st.integers(min_value=0, max_value=10**11)  # up to ₹100 crore


@given(total=PAISE, rate=RATES, intra=st.booleans())
def test_a_split_adds_up_to_the_price_and_the_tax_is_the_rate_of_the_taxable_value(total, rate, intra):
    split = split_inclusive(total, rate, intra_state=intra)

    assert split.taxable + split.cgst + split.sgst + split.igst == total
    assert min(split.taxable, split.cgst, split.sgst, split.igst) >= 0
    # taxable is T·100/(100+r) rounded to the nearest paisa: off by at most half a paisa
    assert abs(200 * split.taxable * (100 + rate) - 200 * 100 * total) <= 100 * (100 + rate)
    if intra:
        assert split.igst == 0 and split.cgst + split.sgst == split.tax and 0 <= split.sgst - split.cgst <= 1
    else:
        assert split.cgst == split.sgst == 0 and split.igst == split.tax
    if rate == 0:
        assert split.tax == 0


@given(lines=st.lists(st.tuples(st.integers(1, 10**7), st.integers(1, 50), RATES), min_size=1, max_size=30),
       intra=st.booleans())
def test_an_invoice_of_many_lines_adds_up_to_what_was_paid(lines, intra):
    splits = [split_inclusive(price * quantity, rate, intra_state=intra) for price, quantity, rate in lines]
    paid = sum(price * quantity for price, quantity, _ in lines)

    taxable, cgst, sgst, igst = (sum(getattr(s, part) for s in splits) for part in ("taxable", "cgst", "sgst", "igst"))
    assert taxable + cgst + sgst + igst == paid


@given(total=PAISE, rate=RATES)
def test_the_same_price_has_the_same_taxable_value_within_and_across_states(total, rate):
    intra, inter = split_inclusive(total, rate, intra_state=True), split_inclusive(total, rate, intra_state=False)
    assert intra.taxable == inter.taxable and intra.tax == inter.igst


def test_known_figures():
    phone = split_inclusive(1_299_900, 18, intra_state=True)  # ₹12,999 at 18 %
    assert (phone.taxable, phone.cgst, phone.sgst) == (1_101_610, 99_145, 99_145)
    odd = split_inclusive(100, 5, intra_state=True)  # ₹1: 95.24 → 95 paise, 5 paise of tax
    assert (odd.taxable, odd.cgst, odd.sgst) == (95, 2, 3)


def test_the_financial_year_runs_april_to_march_in_indian_time():
    ist = dt.timezone(dt.timedelta(hours=5, minutes=30))
    assert financial_year(dt.datetime(2027, 3, 31, 23, 59, tzinfo=ist)) == "2026-27"
    assert financial_year(dt.datetime(2027, 4, 1, 0, 0, tzinfo=ist)) == "2027-28"
    assert financial_year(dt.datetime(2027, 3, 31, 18, 31, tzinfo=dt.UTC)) == "2027-28"  # 00:01 on 1 April in India
    assert financial_year(dt.date(2099, 12, 31)) == "2099-00"


def test_states_compare_whatever_the_spelling():
    assert normalise_state(" Jammu & Kashmir ") == normalise_state("JAMMU AND KASHMIR")


def test_amounts_in_words_the_indian_way():
    assert rupees_in_words(123_456_789) == ("Rupees twelve lakh thirty-four thousand five hundred sixty-seven "
                                            "and eighty-nine paise only")
    assert rupees_in_words(10**11) == "Rupees one hundred crore only"
