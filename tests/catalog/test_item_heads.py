"""Items' heads (an item without its attributes) through the cache: read in one round trip for
many, no query once kept, and forgotten by every save, so a new price or a retirement is read at once."""

from __future__ import annotations

import pytest

from catalog.selectors import item_head_get, item_heads_get, items_get
from catalog.services import item_retire, item_update

pytestmark = pytest.mark.django_db


def test_heads_are_read_once_then_kept(world, django_assert_num_queries):
    kettle, mug = world.add_item("KETTLE"), world.add_item("MUG", price_paise=19900)
    with django_assert_num_queries(1):
        first = item_heads_get([kettle, mug, 10**9])  # an unknown id is left out
    with django_assert_num_queries(0):
        again = item_heads_get([mug, kettle])
        one = item_head_get(mug)
    assert first == again and one == again[mug]
    assert again == items_get([kettle, mug], with_attributes=False)


def test_a_save_is_read_at_once(world):
    kettle, mug = world.add_item("KETTLE"), world.add_item("MUG")
    item_heads_get([kettle, mug])

    item_update(item_id=kettle, price_paise=45_000)
    item_retire(item_id=mug)

    heads = item_heads_get([kettle, mug])
    assert (heads[kettle].price_paise, heads[mug].status) == (45_000, "retired")
