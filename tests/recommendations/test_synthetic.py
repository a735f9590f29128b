"""Synthetic behaviour: deterministic, with the funnel and the tastes it promises."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from recommendations.behaviour import BehaviourType
from recommendations.lake import lake_read
from recommendations.synthetic import BehaviourGenerator
from tests.recommendations.behaviour_data import structured_items

END = datetime(2026, 12, 1, tzinfo=UTC)


def generate(seed: int = 7, customers: int = 200, days: int = 30):
    generator = BehaviourGenerator(structured_items(), customers=customers, days=days, seed=seed, end=END)
    return generator, [e for day in generator.events() for e in day]


def test_the_same_seed_gives_the_same_events_and_another_seed_others():
    _, first = generate()
    _, again = generate()
    _, other = generate(seed=8)
    assert first == again
    assert {e.event_id for e in first}.isdisjoint({e.event_id for e in other})


def test_the_funnel_narrows_at_realistic_rates_and_stays_in_the_period():
    _, events = generate()
    counts = Counter(e.type for e in events)
    views, carts, orders = (counts[BehaviourType.PRODUCT_VIEWED], counts[BehaviourType.CART_ADDED],
                            counts[BehaviourType.ORDER_PLACED])
    assert views > carts > orders > 0
    assert 0.01 < orders / views < 0.08
    assert counts[BehaviourType.ORDER_CANCELLED] < 0.15 * orders
    assert all(END.replace(month=10, day=31) <= e.occurred_at < END for e in events)
    assert all(e.customer_id is not None for e in events if e.type == BehaviourType.ORDER_PLACED)
    clicks = [e for e in events if e.type == BehaviourType.SEARCH_CLICKED]
    assert clicks and all(e.query and e.position >= 1 for e in clicks)


def test_customers_buy_mostly_in_their_own_categories():
    generator, events = generate()
    tastes = {c.customer_id: set(c.categories) for c in generator.customers}
    bought = defaultdict(list)
    for e in events:
        if e.type == BehaviourType.ORDER_PLACED:
            bought[e.customer_id].append(e.category_id in tastes[e.customer_id])
    in_taste = sum(sum(v) for v in bought.values()) / sum(len(v) for v in bought.values())
    assert in_taste > 0.6


@pytest.mark.django_db
def test_seed_behaviour_writes_the_catalogs_active_items_behaviour_to_the_lake(world, settings, tmp_path):
    settings.BEHAVIOUR_LAKE_PATH = str(tmp_path / "lake")
    items = {world.add_item(f"SKU-{n}", price_paise=10_000 * (n + 1)) for n in range(6)}
    call_command("seed_behaviour", "--customers", "30", "--days", "5", "--seed", "3", "--end", "2026-12-01",
                 stdout=io.StringIO())
    table = lake_read()
    assert table.num_rows > 0
    assert set(table["item_id"].to_pylist()) <= items
    assert set(table["category_id"].to_pylist()) == {world.category_id}
