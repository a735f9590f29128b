"""The lake's Kafka consumer on the real broker (infra/engines/kafka.py): behaviour events land in
the lake once, even when the consumer dies between writing a batch and committing its offsets."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from kafka import KafkaAdminClient

from events.backends.base import Event
from events.backends.kafka import KafkaEventBus
from infra.engines.base import RunningEngine
from recommendations.behaviour import BehaviourType, behaviour_event_type
from recommendations.lake import lake_files, lake_read
from recommendations.lake_sink import lake_sink_run
from tests.recommendations.behaviour_data import T0, event


@pytest.fixture
def topic(kafka_engine: RunningEngine) -> Iterator[str]:
    admin = KafkaAdminClient(bootstrap_servers=kafka_engine.address)
    name = f"test.lake.{uuid.uuid4().hex[:12]}"
    try:
        admin.create_topics({name: {"num_partitions": 3, "replication_factor": 1}}, wait_for_metadata=True)
        yield name
        admin.delete_topics([name])
    finally:
        admin.close()


class Crash(Exception):
    pass


def test_a_crash_between_write_and_commit_re_reads_and_the_lake_holds_each_event_once(
        kafka_engine, topic, settings, tmp_path):
    settings.BEHAVIOUR_LAKE_PATH = str(tmp_path / "lake")
    types = (BehaviourType.PRODUCT_VIEWED, BehaviourType.CART_ADDED, BehaviourType.ORDER_PLACED)
    behaviour = [event(types[n % 3], at=T0 + timedelta(minutes=n), item_id=n % 7 + 1, customer_id=n % 4)
                 for n in range(30)]
    envelopes = [Event(event_id=b.event_id, type=behaviour_event_type(b.type), key=b.visitor_id,
                       payload=b.as_payload(), occurred_at=b.occurred_at) for b in behaviour]
    other = Event(event_id=uuid.uuid4(), type="orders.order_placed.v1", key="o-1", payload={"order_id": 1},
                  occurred_at=T0)
    bus = KafkaEventBus(kafka_engine.address, topic)
    try:
        bus.publish([*envelopes, other])
    finally:
        bus.close()

    def crash(events):
        raise Crash(f"killed after writing {len(events)} events, before the commit")

    with pytest.raises(Crash):
        lake_sink_run(kafka_engine.address, topic, group_id="lake-test", before_commit=crash,
                      idle_timeout_s=10)
    written_before_crash = lake_read().num_rows
    assert written_before_crash > 0  # durable, though never committed

    report = lake_sink_run(kafka_engine.address, topic, group_id="lake-test", idle_timeout_s=3)
    assert report.messages == 31  # everything again: nothing had been committed
    table = lake_read()
    assert table.num_rows == 30
    assert sorted(table["event_id"].to_pylist()) == sorted(str(b.event_id) for b in behaviour)
    assert lake_files()

    # Committed now: a third run reads nothing.
    assert lake_sink_run(kafka_engine.address, topic, group_id="lake-test", idle_timeout_s=2).messages == 0
