"""One customer's journey with the shop on its real engines, as `make services` + `make run` serve it:
events on Apache Kafka, search on an OpenSearch node, finished orders archived in Apache Cassandra.

The item reaches search through Kafka (catalog and stock events → the search consumer → the index);
the order is placed through the checkout page, its events go through Kafka to the orders consumer;
once delivered and archived, "my orders" reads it back from Cassandra.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.structs import TopicPartition

from cart.interface import CartOwner, cart_add
from events.backends.kafka import consume
from events.registry import dispatch
from events.services import relay_pending
from infra.engines.base import RunningEngine
from orders.backends.cassandra import CassandraOrderArchive
from orders.models import Order
from orders.services import order_mark_delivered, order_mark_packed, order_mark_shipped, orders_archive
from search.services import index_rebuild, stale_items_flush
from shop.backends import get_backend, reset_backends
from tests.orders.helpers import customer_presses
from tests.shop_world import BENGALURU_PIN, World, build_world

GROUP = "bazaar"  # manage.py consume_events' default group


@dataclass(frozen=True)
class Engines:
    kafka: RunningEngine
    topic: str
    cassandra: RunningEngine
    keyspace: str

    def deliver_events(self) -> int:
        """What the relay (every 5 s) and `manage.py consume_events` do while the shop runs: publish
        the outbox to Kafka and hand each event to the shop's consumers, until the events those
        consumers emit have gone round too. Returns how many events the consumers handled."""
        handled = 0
        for _ in range(10):
            relay_pending()
            backlog = self.backlog()
            if not backlog:
                return handled
            assert consume(self.kafka.address, self.topic, GROUP, handle=dispatch, max_messages=backlog,
                           idle_timeout_s=30) == backlog
            handled += backlog
        raise AssertionError("events kept coming after 10 rounds of relay and consume")

    def backlog(self) -> int:
        """Messages on the topic the shop's consumer group has not committed yet."""
        # A reader in the group that never joins it: it asks the coordinator, it takes no partition.
        reader = KafkaConsumer(bootstrap_servers=self.kafka.address, group_id=GROUP, enable_auto_commit=False)
        try:
            partitions = [TopicPartition(self.topic, p) for p in reader.partitions_for_topic(self.topic)]
            return sum(end - (reader.committed(tp) or 0) for tp, end in reader.end_offsets(partitions).items())
        finally:
            reader.close()

    def published(self, key: str) -> list[str]:
        """The event types on the topic for one key, in order, as any other consumer group sees them."""
        seen: list[str] = []
        consume(self.kafka.address, self.topic, f"audit-{uuid.uuid4().hex[:8]}",
                handle=lambda event: seen.append(event.type) if event.key == key else None, idle_timeout_s=2)
        return seen


@pytest.fixture
def engines(settings, kafka_engine, cassandra_engine, opensearch_engine) -> Iterator[Engines]:
    topic = f"flow.events.{uuid.uuid4().hex[:10]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_engine.address)
    admin.create_topics({topic: {"num_partitions": 3, "replication_factor": 1}}, wait_for_metadata=True)
    keyspace = f"flow_{uuid.uuid4().hex[:10]}"
    archive_options = {"hosts": [cassandra_engine.host], "port": cassandra_engine.port, "keyspace": keyspace}
    CassandraOrderArchive(**archive_options).create_schema()  # what `manage.py cassandra_schema` does
    settings.BAZAAR_BACKENDS = {
        **settings.BAZAAR_BACKENDS,
        "event_bus": {"BACKEND": "events.backends.kafka.KafkaEventBus", "EMBEDDED": False,
                      "OPTIONS": {"bootstrap_servers": kafka_engine.address, "topic": topic}},
        "search": {"BACKEND": "search.backends.opensearch.OpenSearchBackend", "EMBEDDED": False,
                   "OPTIONS": {"url": opensearch_engine.url, "index": f"flow-{uuid.uuid4().hex[:10]}",
                               "refresh": True}},
        "order_archive": {"BACKEND": "orders.backends.cassandra.CassandraOrderArchive", "EMBEDDED": False,
                          "OPTIONS": archive_options},
    }
    reset_backends()
    try:
        yield Engines(kafka=kafka_engine, topic=topic, cassandra=cassandra_engine, keyspace=keyspace)
    finally:
        for port in ("event_bus", "order_archive"):
            close = getattr(get_backend(port), "close", None)
            if close is not None:
                close()
        reset_backends()
        admin.delete_topics([topic])
        admin.close()
        archive = CassandraOrderArchive(**archive_options)
        archive._connect().execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
        archive.close()


@pytest.fixture
def shop(engines, user_factory) -> World:
    index_rebuild()  # the index `seed_demo` builds before anyone searches
    world = build_world(user_factory)
    world.add_item("KETTLE", title="Copper electric kettle", price_paise=149_900, stock={"BLR1": 5})
    assert engines.deliver_events() > 0
    stale_items_flush()  # search.flush_stale_items, every 5 s under `make run`
    return world


def test_a_customer_finds_buys_and_later_sees_an_archived_order_on_the_real_engines(
        client, engines, shop, django_capture_on_commit_callbacks):
    client.force_login(shop.customer)

    results = client.get("/search/", {"q": "coper kettle"}).content.decode()  # a typo, as people type
    assert "Copper electric kettle" in results
    assert "Delivery by" in results  # dated for the customer's PIN, 560001

    cart_add(owner=CartOwner(user_id=shop.customer.pk), item_id=shop.items["KETTLE"], quantity=1)
    response = client.post("/checkout/", {
        "name": "Asha Buyer", "phone": "+91 99999 00000", "line1": "1 MG Road", "city": "Bengaluru",
        "state": "Karnataka", "pin_code": BENGALURU_PIN, "attempt": str(uuid.uuid4())})
    assert response.status_code == 302  # to the payment page
    order = Order.objects.get(user_id=shop.customer.pk)

    with django_capture_on_commit_callbacks(execute=True):  # the gateway's callback, after its commit
        customer_presses(order, "pay")
    engines.deliver_events()
    assert Order.objects.get(pk=order.pk).status == "placed"
    published = engines.published(str(order.pk))
    assert "orders.order_placed.v1" in published
    assert published.index("orders.order_created.v1") < published.index("orders.order_placed.v1")

    for step in (order_mark_packed, order_mark_shipped, order_mark_delivered):
        step(order_id=order.pk)
    engines.deliver_events()
    long_ago = timezone.now() - timedelta(days=40)
    Order.objects.filter(pk=order.pk).update(created_at=long_ago, updated_at=long_ago)
    assert orders_archive(older_than=timedelta(days=30)) == 1
    assert not Order.objects.filter(pk=order.pk).exists()

    stored = CassandraOrderArchive(hosts=[engines.cassandra.host], port=engines.cassandra.port,
                                   keyspace=engines.keyspace)
    try:
        assert stored.get(order.pk).status == "delivered"
    finally:
        stored.close()
    listing = client.get("/orders/").content.decode()
    assert str(order.pk) in listing and "Copper electric kettle" in listing
    detail = client.get(f"/orders/{order.pk}/")
    assert detail.status_code == 200
    assert "Delivered" in detail.content.decode()
