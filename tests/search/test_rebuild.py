"""`manage.py search_rebuild`: a new index from the catalog, switched in while search serves."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from search.selectors import search_run
from search.types import SearchParams
from tests.search.conftest import ALL_ENGINES, deliver

pytestmark = pytest.mark.django_db


def titles(text: str) -> list[str]:
    return sorted(c.title for c in search_run(SearchParams(q=text)).results)


@pytest.mark.parametrize("search_index", ALL_ENGINES, indirect=True)
def test_rebuild_indexes_everything_and_switches_while_search_keeps_serving(shop, search_index, monkeypatch):
    from events.models import OutboxEvent

    shop.add("Galaxy M14 phone")
    shop.add("Redmi 13C phone")
    deliver()
    shop.add("Nord CE phone")  # its event is never delivered: only the rebuild will find it
    OutboxEvent.objects.all().delete()
    from catalog.services import item_retire

    item_retire(item_id=shop.add("Retired phone"))
    shop.add("Draft phone", status="draft")

    served_meanwhile = []
    real_write = type(search_index).rebuild_write

    def write_and_search(self, generation, docs):
        written = real_write(self, generation, docs)
        served_meanwhile.append(titles("phone"))  # a customer searches while the new index builds
        return written

    monkeypatch.setattr(type(search_index), "rebuild_write", write_and_search)
    out = StringIO()
    call_command("search_rebuild", stdout=out)

    assert served_meanwhile == [["Galaxy M14 phone", "Redmi 13C phone"]]  # the old index, whole
    assert titles("phone") == ["Galaxy M14 phone", "Nord CE phone", "Redmi 13C phone"]
    assert "3 active items read, 3 in stock and searchable" in out.getvalue()


def test_a_rebuild_keeps_the_index_it_replaced_and_the_next_one_drops_it(shop, search_index):
    shop.add("Galaxy M14 phone")
    deliver()
    before = sorted(p.name for p in search_index.root.glob("g-*"))
    call_command("search_rebuild", stdout=StringIO())
    first = (search_index.root / "CURRENT").read_text().strip()
    after = sorted(p.name for p in search_index.root.glob("g-*"))
    assert len(after) == 2 and before[0] in after  # the new one, and the one it replaced (kept for a while)
    assert first in after and first not in before
    call_command("search_rebuild", stdout=StringIO())

    names = sorted(p.name for p in search_index.root.glob("g-*"))
    assert len(names) == 2 and first in names
    assert titles("galaxy") == ["Galaxy M14 phone"]


@pytest.mark.parametrize("search_index", ALL_ENGINES, indirect=True)
def test_a_flush_during_a_rebuild_reaches_the_new_index(shop, search_index):
    from inventory.services import stock_set
    from search.services import stale_items_flush

    phone = shop.add("Galaxy M14 phone")
    deliver()
    generation = search_index.rebuild_start()
    from search.services import documents_read

    search_index.rebuild_write(generation, documents_read([phone]))  # read while still in stock
    stock_set(item_id=phone, warehouse_id=shop.world.warehouses["DEL1"].pk, on_hand=0, actor_id=None,
              source="system")
    deliver()  # the consumer writes to the served index and to the one being built
    stale_items_flush()
    search_index.rebuild_finish(generation)

    assert titles("galaxy") == []


@pytest.fixture
def cache_down():
    """The cache pointed at a port that is bound but never listens (Redis down), with or without
    django-redis's IGNORE_EXCEPTIONS (shop/settings.py sets it); undone before the suite's own
    clean-up empties the cache."""
    import socket

    from django.test import override_settings

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    overrides = []

    def use(ignore_exceptions: bool) -> None:
        overrides.append(override_settings(CACHES={"default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://:secret@127.0.0.1:{sock.getsockname()[1]}/0",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient", "SOCKET_CONNECT_TIMEOUT": 2,
                        "SOCKET_TIMEOUT": 2, "IGNORE_EXCEPTIONS": ignore_exceptions},
        }}))
        overrides[-1].enable()

    yield use
    for override in reversed(overrides):
        override.disable()
    sock.close()


@pytest.mark.parametrize("ignore_exceptions", [True, False])
def test_a_rebuild_with_the_lock_store_down_says_so_and_does_not_start(shop, search_index, cache_down,
                                                                         ignore_exceptions):
    """Finding 13: Redis configured but unreachable is not "a rebuild is already running"."""
    from django.core.management.base import CommandError

    shop.add("Galaxy M14 phone")
    deliver()
    generations = sorted(p.name for p in search_index.root.glob("g-*"))
    cache_down(ignore_exceptions)

    with pytest.raises(CommandError) as refused:  # a plain message on the terminal, no traceback
        call_command("search_rebuild", stdout=StringIO())

    message = str(refused.value)
    assert "unreachable" in message and "already running" not in message
    assert "secret" not in message  # the cache URL's password stays out of logs
    assert sorted(p.name for p in search_index.root.glob("g-*")) == generations  # nothing started


def test_a_held_rebuild_lock_still_reads_as_running(shop, search_index):
    from django.core.cache import cache
    from django.core.management.base import CommandError

    from search.services import REBUILD_LOCK_KEY

    cache.add(REBUILD_LOCK_KEY, "another-rebuild", 60)
    with pytest.raises(CommandError, match="already running"):
        call_command("search_rebuild", stdout=StringIO())
