"""Demo accounts take synthetic customers' histories with different tastes (issue 9 item 8), so
two demo customers see different "Recommended for you" rows after seed_behaviour + spark_job als."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from recommendations.lake import lake_events
from recommendations.seeding import behaviour_seed, demo_tastes, demo_user_ids
from recommendations.synthetic import BehaviourGenerator, SyntheticItem

END = datetime(2026, 12, 1, tzinfo=UTC)


def catalogue() -> list[SyntheticItem]:
    return [SyntheticItem(item_id=n, category_id=n % 6 + 1, brand=f"B{n % 4}", price_paise=10_000 + n * 100)
            for n in range(1, 121)]


def test_each_demo_account_gets_a_busy_customer_with_other_categories_deterministically():
    generator = BehaviourGenerator(catalogue(), customers=200, days=10, seed=7, end=END)
    mapping = demo_tastes(generator.customers, [5, 6])
    assert sorted(mapping.values()) == [5, 6]
    by_id = {c.customer_id: c for c in generator.customers}
    first, second = (by_id[s] for s in mapping)
    assert not set(first.categories) & set(second.categories)
    again = BehaviourGenerator(catalogue(), customers=200, days=10, seed=7, end=END)
    assert demo_tastes(again.customers, [5, 6]) == mapping


@pytest.mark.django_db
def test_seeding_writes_the_demo_accounts_histories(tmp_path, settings, user_factory):
    settings.BEHAVIOUR_LAKE_PATH = str(tmp_path / "lake")
    chitra = user_factory(email="customer@example.com")
    user_factory(email="bench-customer@example.com")
    assert demo_user_ids(["customer@example.com", "nobody@example.com"]) == [chitra.pk]
    behaviour_seed(customers=60, days=20, seed=7, end=END, items=catalogue(), demo_users=[chitra.pk])
    mine = [e for e in lake_events() if e.customer_id == chitra.pk]
    assert mine and len({e.category_id for e in mine}) <= 3
