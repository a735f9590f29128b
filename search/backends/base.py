"""The search port: an engine that stores `SearchDoc`s and answers `EngineQuery`s.

Semantics every engine keeps (tests/contracts/test_search.py checks them on each):

Writes
    `upsert(docs)` stores each document unless the engine holds one for the same item with a
    later `stamp` (last read wins, whatever order writes arrive in). A document with
    `live=False` is a tombstone: it is never found. Writes go to the index being served *and*
    to one being rebuilt, if any, so a rebuild loses nothing written while it runs.

Matching (search.text has the rules for words)
    Only live documents are found. Every word of `text` must match a word of the document's
    `search_text` within its edit distance, or as a prefix for the last word; no text finds
    everything. Filters: category (the category or any below it: `category_ids` holds the path
    from the root), brand (any of), price range (inclusive), rating at least (tenths),
    attributes (per code any of its values; codes combine with AND) and, with a PIN code,
    "one of `warehouse_ids` holds stock": the document's warehouses and the query's share one.

Order
    relevance: words found in the title count most, then brand, then category, then the rest
    (`BOOSTS`); price_asc / price_desc / newest / rating: by that value, ties by item id
    ascending; fastest: by the first of `delivery_tiers` (cumulative, fastest first) that
    holds one of the document's warehouses, then relevance.

Facets (when asked)
    Counts over the documents found, except that brand, rating and each attribute code are
    counted without their own filter (picking one brand still shows the others' counts).
    Categories count every level: an item counts for its category and each ancestor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from search.types import EngineQuery, EngineResult, SearchDoc

# Relevance: how much a word found in each field weighs (a word found only in the description
# or an attribute weighs 1: the combined text field).
BOOSTS = {"title": 4.0, "brand": 3.0, "category": 2.0}
# Fastest delivery: each delivery tier a document reaches adds this much to its score, far above
# what text relevance can add, so tiers order the results and relevance orders each tier.
TIER_BOOST = 100_000.0
# How many distinct values a facet lists at most (by count).
FACET_SIZES = {"brands": 200, "attributes": 1000, "categories": 5000, "ratings": 60}

FACET_SEPARATOR = "="


def facet_key(code: str, value: str) -> str:
    return f"{code}{FACET_SEPARATOR}{value}"


def facet_split(key: str) -> tuple[str, str]:
    code, _, value = key.partition(FACET_SEPARATOR)
    return code, value


class SearchUnavailable(Exception):
    """The engine could not answer (down, timed out, index missing): pages show a notice."""


@runtime_checkable
class SearchBackend(Protocol):
    def upsert(self, docs: Sequence[SearchDoc]) -> int:
        """Store the documents (see the module docstring); returns how many were written."""
        ...

    def query(self, q: EngineQuery) -> EngineResult: ...

    def rebuild_start(self) -> str:
        """Create an empty index to build beside the served one; returns its name. From now
        until finish or abort, `upsert` writes to both."""
        ...

    def rebuild_write(self, generation: str, docs: Sequence[SearchDoc]) -> int:
        """Write documents to the index being built (stamps respected, like `upsert`)."""
        ...

    def rebuild_finish(self, generation: str) -> None:
        """Serve the built index from now on (one atomic switch); drop the indexes before."""
        ...

    def rebuild_abort(self, generation: str) -> None: ...

    def clear(self) -> None:
        """Drop every index (tests, a fresh start); the next write creates an empty one."""
        ...
