"""`seed_behaviour`: months of synthetic behaviour over the catalog's active items, into the lake."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from accounts.interface import user_emails, user_ids_by_email
from catalog.interface import item_snapshots_iter
from recommendations.lake import lake_write
from recommendations.synthetic import BehaviourGenerator, Customer, SyntheticItem


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


def demo_tastes(customers: Sequence[Customer], user_ids: Sequence[int]) -> dict[int, int]:
    """{synthetic customer id: real user id}: each demo account takes the history of one of the
    busiest synthetic customers, each with categories none of the others have (while there are
    such), so two demo customers see different "Recommended for you" rows. Deterministic."""
    busiest = sorted(customers, key=lambda c: (-c.visits_per_day, c.customer_id))
    chosen: list[Customer] = []
    for _ in user_ids:
        taken = {category for c in chosen for category in c.categories}
        free = [c for c in busiest if c not in chosen and not taken & set(c.categories)]
        rest = [c for c in busiest if c not in chosen]
        if not (free or rest):
            break
        chosen.append((free or rest)[0])
    return {c.customer_id: user_id for c, user_id in zip(chosen, user_ids, strict=False)}


def demo_user_ids(emails: Sequence[str]) -> list[int]:
    """The ids of the accounts with exactly these emails that exist, in the order given."""
    found = []
    for email in emails:
        ids = user_ids_by_email(text=email, limit=50)
        exact = [i for i, e in user_emails(user_ids=ids).items() if e.casefold() == email.casefold()]
        found.extend(exact[:1])
    return found


def behaviour_seed(*, customers: int, days: int, seed: int, end: datetime | None = None,
                   items: list[SyntheticItem] | None = None, root: Path | None = None,
                   progress: Callable[[str], None] | None = None, demo_users: Sequence[int] = (),
                   hours: dict[int, float] | None = None) -> SeedReport:
    """Write `days` of behaviour ending at `end` (default: today 00:00 UTC) to the lake, a day's
    events per write. The same seed and end write the same events to the same files. Each of
    `demo_users` (real account ids) is given a synthetic customer's history (`demo_tastes`);
    `hours` (IST hour → weight) is for tests: fewer hours, fewer files."""
    started = time.monotonic()
    end = end or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    items = catalog_items() if items is None else items
    generator = BehaviourGenerator(items, customers=customers, days=days, seed=seed, end=end, hours=hours)
    as_demo = demo_tastes(generator.customers, demo_users)
    events = files = 0
    for day, batch in enumerate(generator.events(), start=1):
        if as_demo:
            batch = [replace(e, customer_id=as_demo[e.customer_id]) if e.customer_id in as_demo else e for e in batch]
        files += len(lake_write(batch, root=root))
        events += len(batch)
        if progress and (day % 15 == 0 or day == days):
            progress(f"day {day}/{days}: {events} events in {files} files")
    return SeedReport(customers=customers, items=len(items), events=events, files=files,
                      seconds=time.monotonic() - started, first=end - timedelta(days=days), end=end)
