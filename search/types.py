"""Search's plain values: what the index holds, what a backend is asked and answers, and the page.

Three layers:

- `SearchDoc`: one item as the index holds it (built by search.documents from the catalog's
  snapshot and inventory's stock), the same for every engine.
- `EngineQuery` / `EngineResult`: what a backend is asked and what it answers
  (search/backends/base.py states the semantics every engine must keep).
- `SearchParams` / `SearchPage`: what a customer asks (page, API) and what they see, with
  delivery dates, facet labels and "did you mean" (search.selectors composes these).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple


class Sort(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"
    RATING = "rating"
    FASTEST = "fastest"


SORT_LABELS: dict[Sort, str] = {
    Sort.RELEVANCE: "Relevance",
    Sort.PRICE_ASC: "Price: low to high",
    Sort.PRICE_DESC: "Price: high to low",
    Sort.NEWEST: "Newest first",
    Sort.RATING: "Customer rating",
    Sort.FASTEST: "Fastest delivery",
}


# --- the index ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchDoc:
    """An item as every engine indexes it.

    `live` is False for an item that must not be found (retired, draft, unknown, or no
    warehouse holds an available unit); such a document stays in the index as a tombstone
    carrying its `stamp`, so an older write can never bring the item back.

    `stamp` (nanoseconds) was taken *before* the catalog and stock were read for this
    document: of two writes for an item, the one with the later stamp saw the later state,
    and engines keep it (last read wins, whatever order the writes arrive in).
    """

    item_id: int
    stamp: int
    live: bool = True
    sku: str = ""
    title: str = ""
    brand: str = ""
    description: str = ""
    category_id: int = 0
    category_ids: tuple[int, ...] = ()
    category_path: str = ""
    category_names: tuple[str, ...] = ()  # from the root down, for text search and display
    category_keywords: str = ""  # the categories' other names ("phone" for Mobiles): text search only
    price_paise: int = 0
    rating: str = "0.0"  # a decimal string, as the catalog gives it
    rating_count: int = 0
    created_ts: int = 0  # Unix seconds
    image: str = ""
    facets: tuple[str, ...] = ()  # facetable attribute values, "code=value"
    attribute_text: tuple[str, ...] = ()  # text values of the attributes, searchable
    warehouse_ids: tuple[int, ...] = ()  # warehouses holding an available unit
    # A listing with options (docs/decisions/0022-variants.md): (option label, how many values),
    # for the options whose variants differ, e.g. (("Size", 3), ("Colour", 2)).
    options: tuple[tuple[str, int], ...] = ()

    @property
    def findable(self) -> bool:
        """Live and in stock somewhere: the only documents a search may return."""
        return self.live and bool(self.warehouse_ids)

    @property
    def rating_x10(self) -> int:
        return rating_x10(self.rating)

    @property
    def category_name(self) -> str:
        return self.category_names[-1] if self.category_names else ""

    @property
    def category_text(self) -> str:
        return " ".join([*self.category_names, self.category_keywords]).strip()

    @property
    def search_text(self) -> str:
        """Everything a word of the query may match: title, brand, category, description and
        the attributes' text values. Both engines index exactly this string."""
        return "\n".join(
            part for part in (self.title, self.brand, self.category_text, self.description,
                              " ".join(self.attribute_text)) if part
        )


def rating_x10(rating: object) -> int:
    """"4.3" → 43: ratings are compared and sorted as integer tenths on every engine."""
    text = str(rating or "0").strip()
    whole, _, frac = text.partition(".")
    return int(whole or 0) * 10 + int((frac + "0")[0])


# --- a backend's question and answer ----------------------------------------------------------


@dataclass(frozen=True)
class EngineQuery:
    """One question to an engine. Filters combine with AND; values inside one filter with OR.

    `text` is matched word by word (search.text.tokens): every word must match the document
    (search.text explains the typo tolerance). `exclude_for_facets` is how facet counts are
    computed: brand and attribute counts ignore their own filter (so the customer can pick a
    second brand), category counts honour every filter.
    """

    text: str = ""
    as_you_type: bool = False  # the last word may be a prefix whatever its length (suggestions)
    fuzziness_extra: int = 0  # added to the AUTO edit distance, at most 2 ("did you mean")
    category_id: int | None = None
    brands: tuple[str, ...] = ()
    price_min_paise: int | None = None
    price_max_paise: int | None = None
    rating_min_x10: int | None = None
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # code -> values
    warehouse_ids: frozenset[int] | None = None  # None: no PIN; else a stocked one must be in it
    delivery_tiers: tuple[frozenset[int], ...] = ()  # fastest first (Sort.FASTEST)
    sort: Sort = Sort.RELEVANCE
    offset: int = 0
    limit: int = 20
    facets: bool = True


class EngineHit(NamedTuple):
    """A found document (a named tuple: pages build dozens of them per request)."""

    item_id: int
    title: str
    brand: str
    sku: str
    price_paise: int
    rating: str
    rating_count: int
    image: str
    category_id: int
    category_path: str
    category_name: str
    created_ts: int
    warehouse_ids: tuple[int, ...]
    options: tuple[tuple[str, int], ...] = ()  # see SearchDoc.options


@dataclass(frozen=True)
class FacetCounts:
    brands: dict[str, int] = field(default_factory=dict)
    categories: dict[int, int] = field(default_factory=dict)  # every level: an item counts for its ancestors too
    attributes: dict[str, dict[str, int]] = field(default_factory=dict)  # code -> value -> count
    ratings: dict[int, int] = field(default_factory=dict)  # whole stars (floor of the rating) -> count


@dataclass(frozen=True)
class EngineResult:
    total: int
    hits: list[EngineHit]
    facets: FacetCounts = field(default_factory=FacetCounts)


# --- what a customer asks and sees ------------------------------------------------------------

MAX_PER_PAGE = 48
MAX_PAGE = 100  # deep pages are never read; engines keep from + size under their windows


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    category_id: int | None = None
    brands: tuple[str, ...] = ()
    price_min_paise: int | None = None
    price_max_paise: int | None = None
    rating_min: float | None = None  # stars, e.g. 4 or 4.5
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    per_page: int = 24

    def filters_payload(self) -> dict[str, Any]:
        """The filters as JSON (the search.performed event, the API's echo)."""
        return {
            "category_id": self.category_id,
            "brands": list(self.brands),
            "price_min_paise": self.price_min_paise,
            "price_max_paise": self.price_max_paise,
            "rating_min": self.rating_min,
            "attributes": {code: list(values) for code, values in sorted(self.attributes.items())},
            "sort": str(self.sort),
            "page": self.page,
        }

    @property
    def has_filters(self) -> bool:
        return bool(self.category_id or self.brands or self.price_min_paise is not None
                    or self.price_max_paise is not None or self.rating_min or self.attributes)


@dataclass(frozen=True)
class Delivery:
    date: dt.date
    courier: str
    warehouse_id: int


class ResultCard(NamedTuple):
    item_id: int
    sku: str
    title: str
    brand: str
    price_paise: int
    rating: str
    rating_count: int
    image: str
    category_id: int
    category_name: str
    delivery: Delivery | None
    options: tuple[tuple[str, int], ...] = ()  # see SearchDoc.options

    @property
    def more_options(self) -> str:
        """What the card says of a listing with options: "3 sizes · 2 colours"; "" for one item."""
        return options_text(self.options)


def options_text(options: tuple[tuple[str, int], ...]) -> str:
    return " · ".join(f"{count} {_plural(label.lower())}" for label, count in options if count > 1)


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in tuple("aeiou"):
        return word[:-1] + "ies"
    return word + "s"


class FacetValue(NamedTuple):
    value: str
    label: str
    count: int  # type: ignore[assignment]  # shadows tuple.count on purpose: templates and the API read value.count
    selected: bool


@dataclass(frozen=True)
class FacetGroup:
    code: str  # "brand", "category", "rating" or an attribute code
    label: str
    kind: str  # brand | category | rating | attribute
    values: tuple[FacetValue, ...]
    unit: str = ""


@dataclass(frozen=True)
class CategoryCrumb:
    id: int
    name: str


@dataclass(frozen=True)
class SearchPage:
    params: SearchParams
    pin: str | None
    total: int
    results: list[ResultCard]
    facets: list[FacetGroup]
    did_you_mean: str | None = None
    undeliverable_count: int = 0  # with a PIN and no result: how many match but can't reach it
    category_trail: tuple[CategoryCrumb, ...] = ()  # the chosen category, from the root down

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.total // self.params.per_page)))

    @property
    def has_next(self) -> bool:
        return self.params.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.params.page > 1


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: str  # brand | category | product
    item_id: int | None = None
    category_id: int | None = None
