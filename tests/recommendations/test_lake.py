"""The behaviour lake (no Spark): durable writes, partitions, reads without duplicates however a
batch was re-written, and compaction."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from recommendations.behaviour import BehaviourEvent, BehaviourType
from recommendations.conf import lake_path
from recommendations.lake import (
    FILE_SCHEMA,
    lake_compact,
    lake_events,
    lake_files,
    lake_read,
    lake_write,
    partition_dir,
)
from tests.recommendations.behaviour_data import T0, event, events_over_hours


@pytest.fixture
def lake(tmp_path, settings):
    settings.BEHAVIOUR_LAKE_PATH = str(tmp_path / "lake")
    return tmp_path / "lake"


def ids(table) -> list[str]:
    return sorted(table["event_id"].to_pylist())


def test_an_event_reads_back_as_written(lake):
    click = event(BehaviourType.SEARCH_CLICKED, customer_id=None, query="redmi phone", position=3)
    order = event(BehaviourType.ORDER_PLACED, at=T0 + timedelta(hours=1), item_id=9)
    lake_write([click, order])
    assert sorted(lake_events(), key=lambda e: e.occurred_at) == [click, order]


def test_files_are_partitioned_by_type_date_and_hour_with_no_temporary_file_left(lake):
    lake_write([event(BehaviourType.CART_ADDED, at=datetime(2026, 11, 2, 23, 59, tzinfo=UTC)),
                event(BehaviourType.CART_ADDED, at=datetime(2026, 11, 3, 0, 1, tzinfo=UTC))])
    assert [str(p.relative_to(lake).parent) for p in lake_files()] == [
        "type=cart_added/date=2026-11-02/hour=23", "type=cart_added/date=2026-11-03/hour=00"]
    assert not [p for p in lake.rglob("*") if p.name.startswith(".tmp-")]


def test_times_are_kept_in_utc_and_naive_times_refused():
    ist = datetime(2026, 11, 2, 15, 0, tzinfo=UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Kolkata"))
    assert event(at=ist).partition == ("product_viewed", "2026-11-02", 15)
    with pytest.raises(ValueError, match="timezone-aware"):
        event(at=datetime(2026, 11, 2, 15, 0))


def test_a_batch_written_twice_adds_no_duplicates_to_reads_or_after_compaction(lake):
    batch = events_over_hours(40)
    first = lake_write(batch)
    again = lake_write(batch)  # a replay of the same batch lands in the same files
    assert first == again
    assert lake_read().num_rows == 40

    # Re-written in other batch boundaries (a consumer re-reading from an older offset):
    lake_write(batch[10:30])
    lake_write(batch[25:])
    rows_in_files = sum(pq.read_metadata(p).num_rows for p in lake_files())
    assert rows_in_files > 40
    assert ids(lake_read()) == sorted(str(e.event_id) for e in batch)

    files_before = len(lake_files())
    report = lake_compact()
    assert report.duplicates_dropped == rows_in_files - 40 and report.files_before == files_before
    assert len(lake_files()) == report.files_after == len({e.partition for e in batch})
    assert sum(pq.read_metadata(p).num_rows for p in lake_files()) == 40
    assert ids(lake_read()) == sorted(str(e.event_id) for e in batch)
    assert lake_compact().partitions == 0  # nothing left to merge


class Consumer:
    """What the Kafka consumer does: write the batch durably, then commit the offset."""

    def __init__(self, log: list[BehaviourEvent]):
        self.log, self.committed = log, 0

    def poll_and_write(self, size: int, *, crash_before_commit: bool = False) -> None:
        batch = self.log[self.committed:self.committed + size]
        lake_write(batch)
        if crash_before_commit:
            return  # the process dies here: the file is in the lake, the offset is not committed
        self.committed += len(batch)


def test_a_crash_between_write_and_commit_yields_no_duplicate_in_what_jobs_read(lake):
    log = events_over_hours(60, hours=2)
    consumer = Consumer(log)
    consumer.poll_and_write(20)
    consumer.poll_and_write(20, crash_before_commit=True)
    restarted = Consumer(log)
    restarted.committed = consumer.committed  # back to the last commit: events 20-39 come again
    restarted.poll_and_write(25)  # in other boundaries than before the crash
    restarted.poll_and_write(25)
    assert restarted.committed == 60

    table = lake_read()
    assert table.num_rows == 60 and ids(table) == sorted(str(e.event_id) for e in log)
    lake_compact()
    assert lake_read().num_rows == 60


def test_reads_filter_by_type_and_time(lake):
    lake_write(events_over_hours(30, hours=3))
    carts = lake_read(types=[BehaviourType.CART_ADDED])
    assert carts.num_rows == 15 and set(carts["type"].to_pylist()) == {"cart_added"}
    assert lake_read(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=2)).num_rows == 10


def test_an_empty_lake_reads_empty(lake):
    assert lake_read().num_rows == 0
    assert lake_compact().partitions == 0


def test_lake_compact_command_reports_what_it_merged(lake):
    batch = events_over_hours(10, hours=1)
    lake_write(batch[:6])
    lake_write(batch[4:])
    out = io.StringIO()
    call_command("lake_compact", stdout=out)
    assert "2 duplicate events dropped" in out.getvalue()
    assert lake_read().num_rows == 10


def test_files_written_before_the_quantity_column_read_as_one_unit_and_compact(lake):
    old_schema = FILE_SCHEMA.remove(FILE_SCHEMA.get_field_index("quantity"))
    events = events_over_hours(4, hours=1)
    folder = partition_dir(lake_path(), *events[0].partition)
    folder.mkdir(parents=True)
    rows = [{k: v for k, v in e.as_row().items() if k != "quantity"} for e in events]
    pq.write_table(pa.Table.from_pylist(rows, schema=old_schema), folder / "part-old.parquet")
    lake_write(events[:1])  # a newer file in the same partition, with the column
    assert [e.quantity for e in lake_events()] == [1, 1, 1, 1]
    assert lake_compact().duplicates_dropped == 1
    assert sorted(str(e.event_id) for e in lake_events()) == sorted(str(e.event_id) for e in events)


def test_the_scheduled_compaction_leaves_the_hours_still_being_written(lake):
    now = datetime.now(UTC)
    current = [event(BehaviourType.PRODUCT_VIEWED, at=now - timedelta(minutes=1)) for _ in range(2)]
    earlier = [event(BehaviourType.PRODUCT_VIEWED, at=now - timedelta(hours=3)) for _ in range(2)]
    for one in current + earlier:
        lake_write([one])  # a file each
    report = lake_compact(ended_before=now - timedelta(hours=1))
    assert (report.partitions, report.files_before) == (1, 2)  # only the hour that ended
    assert len(lake_files()) == 3
    out = io.StringIO()
    call_command("lake_compact", "--all", stdout=out)
    assert len(lake_files()) == 2 and "1 partitions merged" in out.getvalue()
