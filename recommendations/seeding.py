"""`seed_behaviour`: months of synthetic behaviour over the catalog's active items, into the lake."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from catalog.interface import item_snapshots_iter
from recommendations.lake import lake_write
from recommendations.synthetic import BehaviourGenerator, SyntheticItem


@dataclass(frozen=True)
class SeedReport:
    customers: int
    items: int
    events: int
    files: int
    seconds: float
    first: datetime
    end: datetime


def catalog_items() -> list[SyntheticItem]:
    """The active items, as the generator needs them (through catalog's interface)."""
    return [SyntheticItem(item_id=s.item_id, category_id=s.category_id, brand=s.brand or "-",
                          price_paise=s.price_paise, category_name=s.category_name)
            for s in item_snapshots_iter(status="active")]


def behaviour_seed(*, customers: int, days: int, seed: int, end: datetime | None = None,
                   items: list[SyntheticItem] | None = None, root: Path | None = None,
                   progress: Callable[[str], None] | None = None) -> SeedReport:
    """Write `days` of behaviour ending at `end` (default: today 00:00 UTC) to the lake, a day's
    events per write. The same seed and end write the same events to the same files."""
    started = time.monotonic()
    end = end or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    items = catalog_items() if items is None else items
    generator = BehaviourGenerator(items, customers=customers, days=days, seed=seed, end=end)
    events = files = 0
    for day, batch in enumerate(generator.events(), start=1):
        files += len(lake_write(batch, root=root))
        events += len(batch)
        if progress and (day % 15 == 0 or day == days):
            progress(f"day {day}/{days}: {events} events in {files} files")
    return SeedReport(customers=customers, items=len(items), events=events, files=files,
                      seconds=time.monotonic() - started, first=end - timedelta(days=days), end=end)
