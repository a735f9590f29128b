"""Search tests: a tantivy index in a temporary directory, and a small shop to search in.

A test that must also hold on the server engines takes them as `search_index`'s parameter:

    @pytest.mark.parametrize("search_index", ALL_ENGINES, indirect=True)

(Elasticsearch on noida-db, OpenSearch on a real node; each test its own index, dropped after).

Items, stock and categories are made with the catalog's, inventory's and logistics' own
services (tests may; app code goes through interface modules), and reach the index the way
they do in production: events → the search consumer → the flush.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from shop.backends import get_backend, reset_backends
from tests.engines import ENGINE_MARKS

_numbers = itertools.count(1)

# search_index's parameters. The servers are asked for inside the fixture (getfixturevalue), which
# the collection hook of tests/conftest.py cannot see: so the marks that group each server's tests
# on one xdist worker.
TANTIVY = pytest.param("tantivy", id="tantivy")
ELASTICSEARCH = pytest.param("elasticsearch", id="elasticsearch",
                             marks=[pytest.mark.broker, pytest.mark.xdist_group("elasticsearch")])
OPENSEARCH = pytest.param("opensearch", id="opensearch",
                          marks=ENGINE_MARKS)
SERVER_ENGINES = [ELASTICSEARCH, OPENSEARCH]
ALL_ENGINES = [TANTIVY, *SERVER_ENGINES]
SERVER_BACKENDS = {"elasticsearch": "search.backends.elasticsearch.ElasticsearchBackend",
                   "opensearch": "search.backends.opensearch.OpenSearchBackend"}


def use_tantivy(settings, path) -> None:
    settings.BAZAAR_BACKENDS = {**settings.BAZAAR_BACKENDS, "search": {
        "BACKEND": "search.backends.tantivy.TantivyBackend", "EMBEDDED": True, "OPTIONS": {"path": str(path)}}}
    reset_backends()


def use_server(settings, kind: str, url: str) -> None:
    """The search port on a server engine, on an index of this test's own, refreshed on every
    write so the test reads what it wrote."""
    index = f"test-{uuid.uuid4().hex[:10]}"
    settings.BAZAAR_BACKENDS = {**settings.BAZAAR_BACKENDS, "search": {
        "BACKEND": SERVER_BACKENDS[kind], "EMBEDDED": False,
        "OPTIONS": {"url": url, "index": index, "refresh": True}}}
    reset_backends()


@pytest.fixture
def search_index(request, settings, tmp_path):
    """The search port on a fresh index of this test's own: tantivy, unless the test asks for a
    server engine as this fixture's parameter."""
    from search.selectors import memos_forget

    kind = getattr(request, "param", "tantivy")
    if kind == "tantivy":
        use_tantivy(settings, tmp_path / "search-index")
    else:
        server = request.getfixturevalue("elasticsearch" if kind == "elasticsearch" else "opensearch_engine")
        use_server(settings, kind, server.url)
    memos_forget()
    backend = get_backend("search")
    yield backend
    if kind != "tantivy":
        backend.clear()  # the servers outlive the test: drop its index
    reset_backends()
    memos_forget()


def deliver() -> None:
    """What the worker does in production: relay the outbox, then flush the stale items."""
    from events.services import relay_pending
    from search.services import stale_items_flush

    relay_pending()
    stale_items_flush()


@dataclass
class SearchShop:
    """The shared test world (tests/shop_world.py) plus Electronics > Mobiles / Audio with
    facetable attributes, and a helper to add items with stock."""

    world: object
    electronics: int = 0
    mobiles: int = 0
    audio: int = 0
    items: dict[str, int] = field(default_factory=dict)

    def add(self, title: str, *, brand: str = "Acme", category: int | None = None, price_paise: int = 49_900,
            stock: dict[str, int] | None = None, attributes: dict | None = None, rating: str | None = None,
            description: str = "", status: str = "active", image: str = "") -> int:
        from catalog.services import item_create, item_rating_set
        from inventory.services import stock_set

        n = next(_numbers)
        item = item_create(seller_id=self.world.seller.pk, sku=f"S-{n}", title=title, brand=brand,
                           category_id=category or self.mobiles, price_paise=price_paise, description=description,
                           attributes=attributes or {}, status=status, images=[image] if image else [])
        if rating is not None:
            item_rating_set(item_id=item.item_id, rating=Decimal(rating), rating_count=10 * n)
        for code, units in (stock if stock is not None else {"DEL1": 5}).items():
            stock_set(item_id=item.item_id, warehouse_id=self.world.warehouses[code].pk, on_hand=units,
                      actor_id=None, source="system")
        self.items[title] = item.item_id
        return item.item_id


def build_search_shop(world) -> SearchShop:
    from catalog.services import attribute_define, category_create

    electronics = category_create(name="Electronics", slug=f"electronics-{next(_numbers)}").pk
    mobiles = category_create(name="Mobiles", slug="mobiles", parent_id=electronics).pk
    audio = category_create(name="Audio", slug="audio", parent_id=electronics).pk
    attribute_define(category_id=mobiles, code="colour", label="Colour", type="choice",
                     choices=["Black", "Blue", "Green"], facetable=True)
    attribute_define(category_id=mobiles, code="ram_gb", label="RAM", type="number", unit="GB", facetable=True)
    attribute_define(category_id=mobiles, code="dual_sim", label="Dual SIM", type="boolean")
    return SearchShop(world=world, electronics=electronics, mobiles=mobiles, audio=audio)


@pytest.fixture
def shop(world, search_index) -> SearchShop:
    return build_search_shop(world)
