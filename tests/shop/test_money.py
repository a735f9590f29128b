import pytest

from shop.money import format_inr


@pytest.mark.parametrize(("paise", "text"), [
    (0, "₹0"), (99, "₹0.99"), (129900, "₹1,299"), (12345678, "₹1,23,456.78"),
    (1000000000, "₹1,00,00,000"), (-5050, "-₹50.50"), (None, ""),
])
def test_indian_rupee_formatting(paise, text):
    assert format_inr(paise) == text
