"""Synthetic behaviour with structure, for the demo and the Spark tests (issue 9 item 8).

Each synthetic customer has tastes that hold for the whole period: two or three categories
(a region leans towards one of them), one or two favourite brands in each, a price band, and a
home PIN code. They visit on some days; a visit browses one of their categories (sometimes
another), views a few items chosen by appeal × brand × price fit, often arriving from a search
click, and the funnel goes on at rates near an Indian marketplace's: wishlist ~6% of views, cart
~9%, a cart is removed ~30% of the time, else ordered ~60% (views → orders ≈ 3-4%); ~6% of
orders are cancelled, the rest delivered 2-7 days later. Some visits follow what is in season
(one item in ten has a 2-3 week season). Anonymous visitors only look.

Deterministic for a seed and an end date: the same events, with the same ids.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from recommendations.behaviour import BehaviourEvent, BehaviourType

FIRST_CUSTOMER_ID = 1_000_000  # synthetic customers never collide with real accounts
IST = timedelta(hours=5, minutes=30)
# (PIN, weight): cities in different states, weighted roughly by online orders.
REGIONS: tuple[tuple[str, float], ...] = (
    ("110001", 14), ("400001", 13), ("560001", 13), ("600001", 8), ("500001", 8), ("700001", 7),
    ("411001", 6), ("380001", 5), ("302001", 4), ("226001", 4), ("682001", 3), ("751001", 2),
    ("800001", 2), ("141001", 2), ("781001", 1),
)
# When Indians shop online (IST hour → weight): evenings most.
HOURS: dict[int, float] = {8: 1, 9: 2, 10: 3, 11: 3, 12: 4, 13: 4, 14: 3, 15: 3, 16: 3, 17: 4, 18: 5, 19: 6,
                           20: 7, 21: 7, 22: 5, 23: 3}

P_SEARCH = 0.45
P_WISHLIST = 0.05
P_WISHLIST_REMOVE = 0.2
P_CART = 0.07
P_CART_REMOVE = 0.3
P_ORDER = 0.6
P_CANCEL = 0.06
P_OFF_TASTE = 0.12
P_SEASONAL = 0.12
P_LOGGED_IN = 0.9


@dataclass(frozen=True, slots=True)
class SyntheticItem:
    """What the generator needs of an item (catalog's ItemSnapshot has all of it)."""

    item_id: int
    category_id: int
    brand: str
    price_paise: int
    category_name: str = ""


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: int
    visitor_id: str
    pin_code: str
    categories: tuple[int, ...]
    brands: frozenset[str]
    band: int  # 0 cheap, 1 middle, 2 dear: which third of its category's prices it likes
    visits_per_day: float


class _Picker:
    """Weighted choice in O(log n) from a fixed list."""

    def __init__(self, values: Sequence, weights: Sequence[float]):
        self.values = list(values)
        self.cumulative = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class BehaviourGenerator:
    def __init__(self, items: Sequence[SyntheticItem], *, customers: int, days: int, seed: int,
                 end: datetime, anonymous_visitors: int | None = None, hours: dict[int, float] | None = None):
        if not items:
            raise ValueError("no items to generate behaviour for")
        self.rng = random.Random(seed)
        self.days, self.end = days, end.astimezone(UTC)
        self.start = self.end - timedelta(days=days)
        rng = self.rng
        items = sorted(items, key=lambda i: i.item_id)
        self.by_category: dict[int, list[SyntheticItem]] = defaultdict(list)
        for item in items:
            self.by_category[item.category_id].append(item)
        self.categories = sorted(self.by_category)
        # Some items sell far more than others (a long tail), whoever the customer is.
        self.appeal = {item.item_id: min(rng.paretovariate(1.3), 30.0) for item in items}
        self.bands = {}
        for members in self.by_category.values():
            prices = sorted(i.price_paise for i in members)
            low, high = prices[len(prices) // 3], prices[2 * len(prices) // 3]
            for item in members:
                self.bands[item.item_id] = 0 if item.price_paise < low else (1 if item.price_paise < high else 2)
        # One item in ten has a season of two to three weeks in the period.
        self.season: dict[int, tuple[int, int]] = {}
        for item in items:
            if rng.random() < 0.1:
                length = rng.randint(14, 21)
                start = rng.randint(-7, max(days - 7, 0))
                self.season[item.item_id] = (start, start + length)
        category_weight = {c: 1 + len(self.by_category[c]) ** 0.5 * rng.uniform(0.5, 1.5) for c in self.categories}
        region_pick = _Picker([pin for pin, _ in REGIONS], [w for _, w in REGIONS])
        region_taste = {pin: rng.choice(self.categories) for pin, _ in REGIONS}
        self.customers = []
        for n in range(customers):
            pin = region_pick.pick(rng)
            weights = {c: w * (3 if c == region_taste[pin] else 1) for c, w in category_weight.items()}
            chosen: list[int] = []
            picker = _Picker(list(weights), list(weights.values()))
            for _ in range(min(rng.choice((2, 2, 3)), len(self.categories))):
                while (category := picker.pick(rng)) in chosen:
                    pass
                chosen.append(category)
            brands = set()
            for category in chosen:
                in_category = sorted({i.brand for i in self.by_category[category]})
                brands.update(rng.sample(in_category, min(len(in_category), rng.choice((1, 2)))))
            self.customers.append(Customer(
                customer_id=FIRST_CUSTOMER_ID + n, visitor_id=_uuid(rng).hex, pin_code=pin,
                categories=tuple(chosen), brands=frozenset(brands), band=rng.choice((0, 1, 1, 2)),
                visits_per_day=min(rng.lognormvariate(math.log(0.18), 0.6), 1.5)))
        self.anonymous = anonymous_visitors if anonymous_visitors is not None else customers // 4
        self._pickers: dict[tuple[int, int], _Picker] = {}
        hours = hours or HOURS  # IST hour → weight (tests pass one hour: fewer lake files)
        self._hour = _Picker(list(hours), list(hours.values()))

    def _picker(self, customer: Customer, category: int) -> _Picker:
        key = (customer.customer_id, category)
        picker = self._pickers.get(key)
        if picker is None:
            members = self.by_category[category]
            weights = [self.appeal[i.item_id] * (4.0 if i.brand in customer.brands else 1.0)
                       * (3.0 if self.bands[i.item_id] == customer.band else 0.4) for i in members]
            picker = self._pickers[key] = _Picker(members, weights)
        return picker

    def _seasonal(self, day: int) -> _Picker | None:
        members = [i for cat in self.categories for i in self.by_category[cat]
                   if i.item_id in self.season and self.season[i.item_id][0] <= day < self.season[i.item_id][1]]
        return _Picker(members, [self.appeal[i.item_id] for i in members]) if members else None

    def events(self) -> Iterator[list[BehaviourEvent]]:
        """One list per day, in day order (events after the end are dropped)."""
        rng = self.rng
        later: dict[int, list[BehaviourEvent]] = defaultdict(list)
        for day in range(self.days):
            seasonal = self._seasonal(day)
            today: list[BehaviourEvent] = later.pop(day, [])
            for customer in self.customers:
                visits = _poisson(rng, customer.visits_per_day * (1.0 + 0.3 * math.sin(day / 7.0)))
                for _ in range(visits):
                    self._visit(customer, day, seasonal, today, later)
            for _ in range(_poisson(rng, self.anonymous * 0.1)):
                self._anonymous_visit(day, today)
            yield sorted(today, key=lambda e: e.occurred_at)

    def _moment(self, day: int) -> datetime:
        rng = self.rng
        local = datetime.combine((self.start + timedelta(days=day)).date(), time(self._hour.pick(rng)), UTC)
        return local - IST + timedelta(minutes=rng.randrange(60), seconds=rng.randrange(60))

    def _event(self, type_: BehaviourType, at: datetime, visitor: str, customer_id: int | None,
               item: SyntheticItem, pin: str, **extra) -> BehaviourEvent:
        return BehaviourEvent(event_id=_uuid(self.rng), type=type_, occurred_at=at, visitor_id=visitor,
                              customer_id=customer_id, item_id=item.item_id, category_id=item.category_id,
                              price_paise=item.price_paise, pin_code=pin, **extra)

    def _visit(self, customer: Customer, day: int, seasonal: _Picker | None, today: list, later: dict) -> None:
        rng = self.rng
        at = self._moment(day)
        customer_id = customer.customer_id if rng.random() < P_LOGGED_IN else None
        roll = rng.random()
        if seasonal is not None and roll < P_SEASONAL:
            picker = seasonal
        elif roll < P_SEASONAL + P_OFF_TASTE:
            picker = self._picker(customer, rng.choice(self.categories))
        else:
            picker = self._picker(customer, customer.categories[0] if rng.random() < 0.5
                                  else rng.choice(customer.categories))
        seen = set()
        for _ in range(2 + min(_geometric(rng, 0.3), 10)):
            item = picker.pick(rng)
            if item.item_id in seen:
                continue
            seen.add(item.item_id)
            at += timedelta(seconds=rng.randint(20, 240))
            event = self._event  # short
            pin, visitor = customer.pin_code, customer.visitor_id
            if rng.random() < P_SEARCH:
                query = (item.brand if rng.random() < 0.5 else item.category_name or item.brand).lower()
                today.append(event(BehaviourType.SEARCH_CLICKED, at, visitor, customer_id, item, pin,
                                   query=query, position=1 + min(_geometric(rng, 0.35), 29)))
            today.append(event(BehaviourType.PRODUCT_VIEWED, at + timedelta(seconds=1), visitor, customer_id,
                               item, pin))
            fit = (1.5 if item.brand in customer.brands else 1.0) * (1.5 if self.bands[item.item_id] == customer.band
                                                                    else 0.7)
            if rng.random() < P_WISHLIST * fit:
                today.append(event(BehaviourType.WISHLIST_ADDED, at + timedelta(seconds=20), visitor, customer_id,
                                   item, pin))
                if rng.random() < P_WISHLIST_REMOVE:
                    today.append(event(BehaviourType.WISHLIST_REMOVED, at + timedelta(minutes=30), visitor,
                                       customer_id, item, pin))
            if rng.random() < P_CART * fit:
                today.append(event(BehaviourType.CART_ADDED, at + timedelta(seconds=40), visitor, customer_id,
                                   item, pin))
                if rng.random() < P_CART_REMOVE:
                    today.append(event(BehaviourType.CART_REMOVED, at + timedelta(minutes=5), visitor, customer_id,
                                       item, pin))
                elif rng.random() < P_ORDER:
                    # Ordering needs the customer logged in, whatever the visit began as.
                    ordered = at + timedelta(minutes=rng.randint(2, 20))
                    today.append(event(BehaviourType.ORDER_PLACED, ordered, visitor, customer.customer_id, item,
                                       pin))
                    if rng.random() < P_CANCEL:
                        today.append(event(BehaviourType.ORDER_CANCELLED, ordered + timedelta(hours=2), visitor,
                                           customer.customer_id, item, pin))
                    else:
                        after = rng.randint(2, 7)
                        delivered = ordered + timedelta(days=after)
                        if day + after < self.days:
                            later[day + after].append(event(BehaviourType.ORDER_DELIVERED, delivered, visitor,
                                                            customer.customer_id, item, pin))

    def _anonymous_visit(self, day: int, today: list) -> None:
        rng = self.rng
        at = self._moment(day)
        visitor = _uuid(rng).hex
        pin = rng.choice(REGIONS)[0] if rng.random() < 0.5 else ""
        members = self.by_category[rng.choice(self.categories)]
        for _ in range(1 + _geometric(rng, 0.5)):
            at += timedelta(seconds=rng.randint(20, 200))
            today.append(self._event(BehaviourType.PRODUCT_VIEWED, at, visitor, None, rng.choice(members), pin))


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: fine for the small means here.
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _geometric(rng: random.Random, p: float) -> int:
    """Failures before the first success."""
    return int(math.log(1.0 - rng.random()) / math.log(1.0 - p))
