"""The lake's writer as a Kafka consumer group: behaviour events from the shop's event topic into
Parquet, offsets committed only after the files are durable.

    poll a batch → keep the behaviour events → lake_write (fsynced, renamed) → commit offsets

A crash after the write and before the commit re-reads the batch; it is written again with the same
event ids, and every reader of the lake drops the duplicates (lake.py). Other event types on the
topic are skipped, and their offsets committed with the batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer
from kafka.structs import OffsetAndMetadata, TopicPartition

from events.backends.kafka import event_from_record
from recommendations.behaviour import BehaviourEvent
from recommendations.lake import lake_write

logger = logging.getLogger(__name__)
DEFAULT_GROUP = "recommendations.lake"


@dataclass
class SinkReport:
    messages: int = 0
    written: int = 0  # behaviour events written (a re-read batch counts again)
    files: int = 0
    batches: int = 0


def lake_sink_run(bootstrap_servers: str, topic: str, *, group_id: str = DEFAULT_GROUP,
                  max_messages: int | None = None, idle_timeout_s: float | None = None,
                  before_commit: Callable[[list[BehaviourEvent]], None] | None = None,
                  **consumer_options: Any) -> SinkReport:
    """Consume until `max_messages` or `idle_timeout_s` without one (or forever).

    `before_commit` runs after each batch is durable and before its offsets are committed (tests
    raise there to crash in between)."""
    options: dict[str, Any] = {
        "client_id": f"bazaar-{group_id}",
        "auto_offset_reset": "earliest",
        "bootstrap_timeout_ms": 10_000,
        "max_poll_records": 2000,
        **consumer_options,
        "enable_auto_commit": False,
    }
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap_servers, group_id=group_id, **options)
    report = SinkReport()
    last_message_at = time.monotonic()
    try:
        while max_messages is None or report.messages < max_messages:
            limit = options["max_poll_records"] if max_messages is None else max_messages - report.messages
            batch = consumer.poll(timeout_ms=500, max_records=limit)
            if not batch:
                if idle_timeout_s is not None and time.monotonic() - last_message_at >= idle_timeout_s:
                    break
                continue
            events: list[BehaviourEvent] = []
            offsets: dict[TopicPartition, OffsetAndMetadata] = {}
            for partition, records in batch.items():
                for record in records:
                    event = event_from_record(record)
                    behaviour = BehaviourEvent.from_bus(event_id=event.event_id, type=event.type,
                                                        occurred_at=event.occurred_at, payload=event.payload)
                    if behaviour is not None:
                        events.append(behaviour)
                    offsets[partition] = OffsetAndMetadata(record.offset + 1, "", -1)
                    report.messages += 1
            if events:
                report.files += len(lake_write(events))
                report.written += len(events)
            if before_commit is not None:
                before_commit(events)
            consumer.commit(offsets)
            report.batches += 1
            last_message_at = time.monotonic()
    finally:
        consumer.close(autocommit=False)
    return report
