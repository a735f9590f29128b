from django import template

from shop.money import format_inr

register = template.Library()


@register.filter
def rupees(paise):
    """{{ item.price_paise|rupees }} → ₹1,299"""
    return format_inr(paise)
