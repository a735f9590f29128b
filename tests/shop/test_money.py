"""shop.money.format_inr: the one way paise become text (pages, admin, notifications, reports)."""

import pytest
from django.template import Context, Template

from shop.admin import inr
from shop.money import format_inr, group_indian


@pytest.mark.parametrize(("paise", "text"), [
    (0, "₹0"), (99, "₹0.99"), (129900, "₹1,299"), (12345678, "₹1,23,456.78"),
    (1000000000, "₹1,00,00,000"), (-5050, "-₹50.50"), (None, ""),
])
def test_indian_rupee_formatting(paise, text):
    assert format_inr(paise) == text


@pytest.mark.parametrize(("paise", "text"), [
    (100, "₹1"), (99_900, "₹999"), (100_000, "₹1,000"), (9_999_999, "₹99,999.99"), (10_000_000, "₹1,00,000"),
    (123_456_789, "₹12,34,567.89"), (10**11, "₹1,00,00,00,000"), (-12_345_678, "-₹1,23,456.78"), (-1, "-₹0.01"),
])
def test_digits_are_grouped_the_indian_way_lakh_and_crore(paise, text):
    assert format_inr(paise) == text


@pytest.mark.parametrize(("paise", "text"), [
    (0, "₹0.00"), (515800, "₹5,158.00"), (49950, "₹499.50"), (-4000, "-₹40.00"), (None, "-"),
])
def test_amounts_for_staff_always_show_paise(paise, text):
    assert format_inr(paise, always_paise=True, empty="-") == text
    assert inr(paise) == text  # the admin's columns


def test_without_the_symbol():
    assert format_inr(12345678, symbol=False) == "1,23,456.78"
    assert format_inr(-5000, symbol=False) == "-50"


def test_the_template_filter_is_format_inr():
    template = Template("{% load money %}{{ a|rupees }}|{{ b|rupees }}|{{ c|rupees }}")
    assert template.render(Context({"a": 12345678, "b": 129900, "c": None})) == "₹1,23,456.78|₹1,299|"


@pytest.mark.parametrize(("number", "text"), [
    (0, "0"), (7, "7"), (999, "999"), (1000, "1,000"), (123456, "1,23,456"), (-1234567, "-12,34,567"),
])
def test_counts_are_grouped_the_same_way(number, text):
    assert group_indian(number) == text
