"""The behaviour lake: Parquet files under BEHAVIOUR_LAKE_PATH, one folder per partition,

    <lake>/type=<type>/date=YYYY-MM-DD/hour=HH/part-<hash>.parquet

Writing is durable before it returns: each partition's file is written under a hidden temporary
name (".tmp-…", which pyarrow and Spark both skip), fsynced, renamed into place and its folder
fsynced. A consumer commits its offsets only after `lake_write` returns, so a crash re-reads and
re-writes; the re-written events carry the same event ids, and every reader drops duplicates by
event id (`lake_read` here, `dropDuplicates` in the Spark jobs). A batch written twice lands in
the same file name (the hash of its event ids), so an exact replay does not even add a file.

`lake_compact` merges a partition's files into one, deduplicated: the new file is renamed in
first, then the files it was made of are removed. A reader between the two sees duplicates it
drops anyway; a writer adding a file meanwhile keeps it (only files read are removed).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from recommendations.behaviour import BehaviourEvent, BehaviourType
from recommendations.conf import lake_path

FILE_SCHEMA = pa.schema([
    ("event_id", pa.string()),
    ("occurred_at", pa.timestamp("us", tz="UTC")),
    ("visitor_id", pa.string()),
    ("customer_id", pa.int64()),
    ("item_id", pa.int64()),
    ("category_id", pa.int64()),
    ("price_paise", pa.int64()),
    ("pin_code", pa.string()),
    ("query", pa.string()),
    ("position", pa.int32()),
    ("quantity", pa.int32()),  # added later: null in older files, read as 1
])
PARTITION_SCHEMA = pa.schema([("type", pa.string()), ("date", pa.string()), ("hour", pa.int32())])
TEMP_PREFIX = ".tmp-"
WRITE_THREADS = 4


@dataclass(frozen=True)
class CompactReport:
    partitions: int = 0  # partitions merged
    files_before: int = 0
    files_after: int = 0
    duplicates_dropped: int = 0


def partition_dir(root: Path, type_: str, date: str, hour: int) -> Path:
    return root / f"type={type_}" / f"date={date}" / f"hour={hour:02d}"


def lake_write(events: Iterable[BehaviourEvent], *, root: Path | None = None) -> list[Path]:
    """Write the events, one file per partition they fall in; durable when this returns."""
    root = root or lake_path()
    groups: dict[tuple[str, str, int], dict[str, BehaviourEvent]] = defaultdict(dict)
    for event in events:
        groups[event.partition][str(event.event_id)] = event  # a batch's own duplicates go here
    jobs = []
    for (type_, date, hour), by_id in sorted(groups.items()):
        rows = sorted(by_id.values(), key=lambda e: (e.occurred_at, str(e.event_id)))
        digest = hashlib.sha256("\n".join(sorted(by_id)).encode()).hexdigest()[:20]
        jobs.append((rows, partition_dir(root, type_, date, hour), f"part-{digest}.parquet"))
    # Files are independent and fsync waits on the disk, not the CPU: a few at a time.
    with ThreadPoolExecutor(max_workers=min(WRITE_THREADS, len(jobs) or 1)) as pool:
        return list(pool.map(lambda job: _write_durably(
            pa.Table.from_pylist([e.as_row() for e in job[0]], schema=FILE_SCHEMA), job[1], job[2]), jobs))


def _write_durably(table: pa.Table, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f"{TEMP_PREFIX}{uuid.uuid4().hex}.parquet"
    try:
        with temporary.open("wb") as handle:
            pq.write_table(table, handle, compression="zstd")
            handle.flush()
            os.fsync(handle.fileno())
        target = folder / name
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    _fsync_dir(folder)
    return target


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _dataset(root: Path) -> ds.Dataset | None:
    if not root.exists() or not any(root.glob("type=*")):
        return None
    return ds.dataset(root, format="parquet", schema=FILE_SCHEMA.append(PARTITION_SCHEMA.field("type"))
                      .append(PARTITION_SCHEMA.field("date")).append(PARTITION_SCHEMA.field("hour")),
                      partitioning=ds.partitioning(PARTITION_SCHEMA, flavor="hive"))


def dedupe(table: pa.Table) -> pa.Table:
    """The first row of each event id (rows in file order), in that order."""
    if table.num_rows == 0:
        return table
    numbered = table.append_column("_row", pa.array(range(table.num_rows), pa.int64()))
    first = numbered.group_by("event_id", use_threads=False).aggregate([("_row", "min")])["_row_min"]
    return table.take(pc.take(first, pc.sort_indices(first)))


def lake_read(*, root: Path | None = None, types: Iterable[BehaviourType | str] | None = None,
              since: datetime | None = None, until: datetime | None = None) -> pa.Table:
    """The lake's events (optionally of some types, in [since, until)), each event id once."""
    dataset = _dataset(root or lake_path())
    if dataset is None:
        return pa.Table.from_pylist([], schema=FILE_SCHEMA.append(PARTITION_SCHEMA.field("type")))
    condition = None
    for part in _conditions(types, since, until):
        condition = part if condition is None else condition & part
    table = dataset.to_table(filter=condition, columns=[*FILE_SCHEMA.names, "type"])
    return dedupe(table)


def _conditions(types, since, until):
    if types is not None:
        yield ds.field("type").isin([str(t) for t in types])
    if since is not None:
        yield ds.field("occurred_at") >= pa.scalar(since, pa.timestamp("us", tz="UTC"))
    if until is not None:
        yield ds.field("occurred_at") < pa.scalar(until, pa.timestamp("us", tz="UTC"))


def lake_events(**kwargs) -> Iterator[BehaviourEvent]:
    for row in lake_read(**kwargs).to_pylist():
        yield BehaviourEvent.from_row(row)


def lake_files(root: Path | None = None) -> list[Path]:
    return sorted((root or lake_path()).glob("type=*/date=*/hour=*/part-*.parquet"))


def partition_end(folder: Path) -> datetime:
    """When a partition's hour ends (UTC), from its path (…/date=YYYY-MM-DD/hour=HH)."""
    day = datetime.strptime(folder.parent.name.removeprefix("date="), "%Y-%m-%d").replace(tzinfo=UTC)
    return day + timedelta(hours=int(folder.name.removeprefix("hour=")) + 1)


def lake_compact(*, root: Path | None = None, ended_before: datetime | None = None) -> CompactReport:
    """Merge each partition's files into one, without duplicates. One compaction at a time.

    `ended_before`: only the partitions whose hour ended by then (the nightly and hourly runs leave
    the hours still being written, which the live reports' stream is reading, alone)."""
    root = root or lake_path()
    if not root.exists():
        return CompactReport()
    partitions = files_before = files_after = dropped = 0
    with (root / ".compact.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for folder in sorted({path.parent for path in lake_files(root)}):
            if ended_before is not None and partition_end(folder) > ended_before:
                continue
            files = sorted(folder.glob("part-*.parquet"))
            files_before += len(files)
            files_after += 1
            if len(files) < 2:
                continue
            table = pa.concat_tables([pq.read_table(path, schema=FILE_SCHEMA) for path in files])
            merged = dedupe(table).sort_by([("occurred_at", "ascending"), ("event_id", "ascending")])
            dropped += table.num_rows - merged.num_rows
            digest = hashlib.sha256("\n".join(merged["event_id"].to_pylist()).encode()).hexdigest()[:20]
            target = _write_durably(merged, folder, f"part-{digest}.parquet")
            for path in files:
                if path != target:
                    path.unlink(missing_ok=True)
            _fsync_dir(folder)
            partitions += 1
    return CompactReport(partitions, files_before, files_after, dropped)
