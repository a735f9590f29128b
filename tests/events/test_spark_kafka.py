"""Spark reads the shop's event topic with its Kafka connector (infra/jvm/spark-kafka), from the
real broker (infra/engines/kafka.py): what a Spark job over the event stream would see.

The broker is the session's `kafka_engine` (tests/conftest.py); one SparkSession in local mode for
the test, with the connector's jars on spark.jars.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction
from kafka import KafkaAdminClient

from events.backends.kafka import TYPE_HEADER, KafkaEventBus
from events.models import OutboxEvent
from events.services import RelayReport, emit, relay_pending
from infra.engines.base import EngineUnavailable, RunningEngine, classpath
from tests.engines import unavailable

ORDER_TYPES = ["orders.order_placed.v1", "payments.payment_captured.v1", "orders.order_shipped.v1"]


@pytest.fixture(scope="module")
def connector_jars() -> list[Path]:
    # Fetched like an engine's jars, and missing like one: a skip, or a failure under CI's
    # BAZAAR_REQUIRE_ENGINES.
    try:
        return classpath("spark-kafka")
    except EngineUnavailable as exc:
        unavailable(f"Spark's Kafka connector cannot be fetched: {exc}")
        raise


@pytest.fixture
def topic(kafka_engine: RunningEngine) -> Iterator[str]:
    admin = KafkaAdminClient(bootstrap_servers=kafka_engine.address)
    name = f"test.spark.{uuid.uuid4().hex[:12]}"
    try:
        admin.create_topics({name: {"num_partitions": 3, "replication_factor": 1}}, wait_for_metadata=True)
        yield name
        admin.delete_topics([name])
    finally:
        admin.close()


@pytest.fixture
def spark(connector_jars: list[Path], tmp_path: Path):
    from pyspark.sql import SparkSession

    # py4j logs "Closing down clientserver connection" at INFO from a __del__ at interpreter
    # exit, after pytest has closed the stream the console handler writes to: a spurious
    # "I/O operation on closed file" traceback at the end of every run without this.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("bazaar-test-spark-kafka")
        .config("spark.jars", ",".join(str(jar) for jar in connector_jars))
        .config("spark.driver.memory", "512m")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.local.dir", str(tmp_path / "spark-local"))
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.mark.django_db
def test_spark_reads_the_relayed_events_from_kafka(kafka_engine, topic, spark, tmp_path):
    from pyspark.sql import functions as F

    orders = [f"order-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    with transaction.atomic():
        for step, type_ in enumerate(ORDER_TYPES):
            for order in orders:
                emit(type_, key=order, payload={"order_id": order, "step": step, "total": "1299.50"})
    bus = KafkaEventBus(kafka_engine.address, topic)
    try:
        assert relay_pending(bus=bus) == RelayReport(published=12)
    finally:
        bus.close()

    payload = "struct<order_id:string,step:int,total:string>"
    stream = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", kafka_engine.address)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .option("includeHeaders", "true")
        .load()
        .select(
            F.col("key").cast("string").alias("key"),
            F.col("partition"),
            F.col("offset"),
            F.expr(f"filter(headers, h -> h.key = '{TYPE_HEADER}')[0].value").cast("string").alias("header_type"),
            F.from_json(F.col("value").cast("string"),
                        f"event_id string, type string, key string, payload {payload}, occurred_at string")
            .alias("event"),
        )
    )
    query = (
        stream.writeStream.format("memory").queryName("relayed_events")
        .option("checkpointLocation", str(tmp_path / "checkpoint"))
        .trigger(availableNow=True)
        .start()
    )
    try:
        query.awaitTermination(120)
        assert query.exception() is None
    finally:
        query.stop()
    rows = spark.sql("SELECT * FROM relayed_events").collect()

    outbox = {str(row.event_id): row for row in OutboxEvent.objects.all()}
    assert sorted(row.event.event_id for row in rows) == sorted(outbox)
    for row in rows:
        emitted = outbox[row.event.event_id]
        assert row.key == row.event.key == emitted.key  # the message key is the aggregate id
        assert row.header_type == row.event.type == emitted.type
        assert row.event.payload.asDict() == emitted.payload
    # Spark sees each key on one partition, its events in the order they were emitted.
    for order in orders:
        mine = sorted((row for row in rows if row.key == order), key=lambda row: row.offset)
        assert len({row.partition for row in mine}) == 1
        assert [row.event.type for row in mine] == ORDER_TYPES
        assert [row.event.payload.step for row in mine] == [0, 1, 2]
