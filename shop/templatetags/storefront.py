"""`{% storefront_header %}`: the header every storefront page draws (shop/header.py)."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from shop.header import HEADER_TEMPLATE, header_html

register = template.Library()


@register.simple_tag(takes_context=True)
def storefront_header(context) -> str:
    request = context.get("request")
    if request is None or not hasattr(request, "user"):  # a page rendered outside a request's middleware
        return render_to_string(HEADER_TEMPLATE, context.flatten())
    return mark_safe(header_html(request))  # noqa: S308 - the header template's own output
