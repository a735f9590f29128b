"""The Kafka event bus (kafka-python): the relay publishes here, `consume` reads it back.

One topic carries every event type, keyed by the aggregate id: Kafka keeps order per
partition and the key picks the partition, so all events of one order (placed, paid,
shipped...) stay in order even though their types differ. Delivery is at least once; the
consumers' HandledEvent markers (events.registry.dispatch) make a duplicate a no-op.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from kafka import KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError, KafkaTimeoutError
from kafka.producer.future import FutureRecordMetadata
from kafka.structs import OffsetAndMetadata, TopicPartition

from events.backends.base import Event, PublishError
from events.registry import dispatch

logger = logging.getLogger(__name__)

DEFAULT_TOPIC = "bazaar.events"
TYPE_HEADER = "event_type"

# The relay holds its lane's lease (EVENTS_RELAY_LEASE_SECONDS, 30 s by default) while it
# publishes; if a publish outlived the lease, a second relay could take the lane and send the
# same key's events concurrently. So the waits are bounded well below it: connect/bootstrap
# (5 s) + metadata (5 s) + delivery (15 s) stays under 30 s. Override per deployment if the
# lease is changed.
DEFAULT_PRODUCER_OPTIONS: dict[str, Any] = {
    "client_id": "bazaar-relay",
    "bootstrap_timeout_ms": 5_000,
    "max_block_ms": 5_000,
    "request_timeout_ms": 5_000,
    "delivery_timeout_ms": 15_000,
}
# Not overridable: without them a retry could duplicate or reorder a key's events in the log.
REQUIRED_PRODUCER_OPTIONS: dict[str, Any] = {"enable_idempotence": True, "acks": "all"}


def encode_event(event: Event) -> bytes:
    """The message value: plain JSON, so a consumer in any language (or the lake sink) can read it."""
    return json.dumps(
        {
            "event_id": str(event.event_id),
            "type": event.type,
            "key": event.key,
            "payload": event.payload,
            "occurred_at": event.occurred_at.isoformat(),
        },
        separators=(",", ":"),
    ).encode()


def decode_event(value: bytes) -> Event:
    """The inverse of `encode_event`; the one place a Kafka message becomes an Event again."""
    data = json.loads(value)
    return Event(
        event_id=UUID(data["event_id"]),
        type=data["type"],
        key=data["key"],
        payload=data["payload"],
        occurred_at=datetime.fromisoformat(data["occurred_at"]),
    )


def event_from_record(record: ConsumerRecord) -> Event:
    return decode_event(record.value)


class KafkaEventBus:
    """Publishes events to one topic with an idempotent producer, key = aggregate id.

    The producer is created on first use (so building the backend never touches the network,
    and a forked Celery worker builds its own) and reused; after a failed publish it is
    dropped, so the next publish starts a fresh idempotent session instead of inheriting a
    producer stuck in an error state.
    """

    def __init__(self, bootstrap_servers: str, topic: str = DEFAULT_TOPIC, **producer_options: Any):
        clash = {k for k, v in REQUIRED_PRODUCER_OPTIONS.items()
                 if k in producer_options and producer_options[k] != v}
        if clash:
            raise ValueError(f"KafkaEventBus needs {REQUIRED_PRODUCER_OPTIONS}; {sorted(clash)} differ.")
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.producer_options: dict[str, Any] = {
            **DEFAULT_PRODUCER_OPTIONS, **producer_options, **REQUIRED_PRODUCER_OPTIONS
        }
        self._producer: KafkaProducer | None = None
        self._producer_pid: int | None = None
        self._lock = threading.Lock()

    def _get_producer(self) -> KafkaProducer:
        with self._lock:
            # A producer's sender thread does not survive fork(): a child process builds its own.
            if self._producer is None or self._producer_pid != os.getpid():
                self._producer = KafkaProducer(bootstrap_servers=self.bootstrap_servers,
                                               **self.producer_options)
                self._producer_pid = os.getpid()
            return self._producer

    def _drop_producer(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None and self._producer_pid == os.getpid():
            try:
                producer.close(timeout=1)
            except Exception:  # closing is best effort; the next publish builds a new one
                logger.warning("Closing the Kafka producer failed", exc_info=True)

    def close(self) -> None:
        self._drop_producer()

    def publish(self, events: Sequence[Event]) -> None:
        """Send all events in order, wait for the broker's acknowledgements, report per event.

        A key whose event failed has its later events reported in neither list, even if the
        broker took them: the relay sends them again after the failed one, so consumers see
        the key in order again (with a duplicate, which they ignore).
        """
        if not events:
            return
        failed: list[UUID] = []
        failed_keys: set[str] = set()
        errors: list[str] = []

        def fail(event: Event, reason: str) -> None:
            failed.append(event.event_id)
            failed_keys.add(event.key)
            errors.append(f"{event.type} {event.event_id}: {reason}")

        try:
            producer = self._get_producer()
        except KafkaError as exc:
            # Nothing was sent. Every key's first event is failed, so the relay backs them all
            # off instead of retrying the unreachable broker on every pass.
            for event in events:
                if event.key not in failed_keys:
                    fail(event, f"cannot connect: {exc!r}")
            raise PublishError(f"Kafka at {self.bootstrap_servers} unreachable: {exc!r}",
                               published=[], failed=failed) from exc

        sent: list[tuple[Event, FutureRecordMetadata]] = []
        broker_down: KafkaTimeoutError | None = None
        for event in events:
            if event.key in failed_keys:
                continue  # never send a key's later event ahead of its failed earlier one
            if broker_down is not None:
                fail(event, f"not sent, broker unavailable: {broker_down!r}")
                continue
            try:
                future = producer.send(
                    self.topic,
                    key=event.key.encode(),
                    value=encode_event(event),
                    headers=[(TYPE_HEADER, event.type.encode())],
                )
            except KafkaTimeoutError as exc:  # metadata did not arrive within max_block_ms
                broker_down = exc
                fail(event, repr(exc))
            except (KafkaError, TypeError, ValueError) as exc:  # e.g. too large, not JSON
                fail(event, repr(exc))
            else:
                sent.append((event, future))

        try:
            producer.flush(timeout=self.producer_options["delivery_timeout_ms"] / 1000 + 1)
        except KafkaTimeoutError:
            logger.warning("Kafka flush timed out; unacknowledged events count as failed")

        published: list[UUID] = []
        for event, future in sent:
            if future.succeeded():
                if event.key not in failed_keys:
                    published.append(event.event_id)
                continue
            if event.key not in failed_keys:
                fail(event, repr(future.exception) if future.is_done else "no acknowledgement in time")
            # else: a later event of a key that already failed: in neither list.

        if failed:
            self._drop_producer()
            raise PublishError("; ".join(errors), published=published, failed=failed)


def consume(
    bootstrap_servers: str,
    topic: str,
    group_id: str,
    *,
    handle: Callable[[Event], Any] = dispatch,
    max_messages: int | None = None,
    idle_timeout_s: float | None = None,
    poll_timeout_ms: int = 500,
    **consumer_options: Any,
) -> int:
    """Read `topic` as a member of `group_id`, hand each event to `handle`; return how many.

    Offsets are committed only after their messages were handled (at least once): a crash
    between handling and committing delivers those messages again, and dispatch's
    HandledEvent markers turn them into no-ops. If `handle` raises, the offsets of the
    messages handled before it are committed and the error propagates: the failing message
    is read again by the next consumer of the group (it blocks its partition until fixed).

    Stops after `max_messages`, or after `idle_timeout_s` without a message; with neither it
    runs until interrupted.
    """
    options: dict[str, Any] = {
        "client_id": f"bazaar-consumer-{group_id}",
        # A new group starts from the beginning: missing events is worse than re-reading them.
        "auto_offset_reset": "earliest",
        "bootstrap_timeout_ms": 10_000,
        **consumer_options,
        "enable_auto_commit": False,  # auto-commit could commit before handling: at most once
    }
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap_servers, group_id=group_id, **options)
    # A member notices a rebalance only when it polls, so a batch is never larger than
    # max_poll_records: a bigger one would keep the whole group waiting while it is handled
    # (and past max_poll_interval_ms the member is dropped and its commits refused).
    batch_limit: int = consumer.config["max_poll_records"]
    handled = 0
    last_message_at = time.monotonic()
    try:
        while max_messages is None or handled < max_messages:
            # Take no more than we will handle, so nothing is read past max_messages.
            limit = batch_limit if max_messages is None else min(batch_limit, max_messages - handled)
            batch = consumer.poll(timeout_ms=poll_timeout_ms, max_records=limit)
            if not batch:
                if idle_timeout_s is not None and time.monotonic() - last_message_at >= idle_timeout_s:
                    break
                continue
            done: dict[TopicPartition, OffsetAndMetadata] = {}
            try:
                # Records of one partition come in log order, so each key's events arrive in order.
                for partition, records in batch.items():
                    for record in records:
                        handle(event_from_record(record))
                        handled += 1
                        # The committed offset is the next one to read.
                        done[partition] = OffsetAndMetadata(record.offset + 1, "", -1)
            finally:
                if done:
                    consumer.commit(done)
            last_message_at = time.monotonic()
    finally:
        # Leaving the group promptly lets the next consumer take the partitions without waiting
        # for a session timeout.
        consumer.close(autocommit=False)
    return handled
