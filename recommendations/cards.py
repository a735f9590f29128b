"""Rows of recommended items as search's result cards (search/_card.html), with their links."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from recommendations.selectors import Recommendations, RecommendedItem
from search.interface import Delivery, ResultCard


def card(item: RecommendedItem) -> ResultCard:
    delivery = (Delivery(date=item.delivery_date, courier=item.courier, warehouse_id=item.warehouse_id or 0)
                if item.delivery_date else None)
    return ResultCard(item.item_id, "", item.title, item.brand, item.price_paise, item.rating, item.rating_count,
                      item.image, item.category_id, item.category_name, delivery)


def item_url(item_id: int) -> str:
    try:
        return reverse("catalog:product_short", args=[item_id])
    except NoReverseMatch:
        return f"/p/{item_id}/"


def shelf_entries(recommendations: Recommendations) -> list[dict]:
    """[{card, url}] as the search page's and the home page's templates take them."""
    return [{"card": card(item), "url": item_url(item.item_id)} for item in recommendations.items]
