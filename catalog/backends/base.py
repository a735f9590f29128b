"""The item-documents port: where an item's attribute values live, and how to find items by them.

A document is `{item_id, category_id, attributes, version}`. `version` is the item row's version
the document was written for: a write with an older version than the stored one is ignored,
so a late retry can never overwrite newer attributes.

Filters, the same on every backend (tests/contracts/test_item_documents.py):

    {"colour": "black"}                 equal, or a multi-choice list that contains it
    {"colour": ["black", "blue"]}       any of them (for a list value: shares one of them)
    {"screen_size": {"gte": 40, "lt": 56}}   a numeric range (gt, gte, lt, lte)

Several attributes combine with AND. Booleans are never equal to numbers (True is not 1).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

RANGE_OPERATORS = ("gt", "gte", "lt", "lte")
_COMPARE = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


@dataclass(frozen=True)
class Document:
    item_id: int
    category_id: int
    attributes: dict[str, Any] = field(default_factory=dict)
    version: int = 1


class DocumentsUnavailable(Exception):
    """The backend could not be reached or did not answer; the caller may retry later."""


@runtime_checkable
class ItemDocuments(Protocol):
    #: True when writes join the caller's database transaction (the relational backend);
    #: False when they go elsewhere and must be carried after commit (MongoDB).
    transactional: bool

    def put(self, item_id: int, category_id: int, attributes: Mapping[str, Any], *, version: int = 1) -> bool:
        """Store the document unless a newer version is stored; True if it was stored."""
        ...

    def put_many(self, documents: Iterable[Document]) -> int:
        """`put` for many documents in one round trip; returns how many were stored."""
        ...

    def get(self, item_id: int) -> Document | None: ...

    def get_many(self, item_ids: Iterable[int]) -> dict[int, Document]:
        """The stored documents of these ids, in one round trip; missing ids are left out."""
        ...

    def delete(self, item_id: int) -> None: ...

    def find(
        self, category_ids: Collection[int] | None = None, filters: Mapping[str, Any] | None = None
    ) -> list[int]:
        """Ids (ascending) of the documents in any of `category_ids` (None: all) matching `filters`."""
        ...

    def ensure_indexes(self, facetable_codes: Iterable[str]) -> None:
        """Make the facetable attributes fast to filter on (a no-op where that is automatic)."""
        ...

    def clear(self) -> None:
        """Remove every document (tests, rebuilds)."""
        ...


def latest_per_item(documents: Iterable[Document]) -> list[Document]:
    """One document per item id, the highest version (the last of equals), as if put in turn."""
    latest: dict[int, Document] = {}
    for doc in documents:
        if doc.item_id not in latest or doc.version >= latest[doc.item_id].version:
            latest[doc.item_id] = doc
    return list(latest.values())


# --- filters, shared by the backends ---------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | bool) or (_is_number(value) and math.isfinite(value))


def normalise_filters(filters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check the shape of `filters` (see the module docstring); raise ValueError if it is wrong."""
    checked: dict[str, Any] = {}
    for code, condition in (filters or {}).items():
        if isinstance(condition, Mapping):
            unknown = set(condition) - set(RANGE_OPERATORS)
            if unknown or not condition:
                raise ValueError(f"Filter on {code!r}: a range uses {', '.join(RANGE_OPERATORS)}.")
            if not all(_is_number(v) and math.isfinite(v) for v in condition.values()):
                raise ValueError(f"Filter on {code!r}: range bounds must be numbers.")
            checked[code] = dict(condition)
        elif isinstance(condition, list | tuple | set | frozenset):
            values = list(condition)
            if not values or not all(_is_scalar(v) for v in values):
                raise ValueError(f"Filter on {code!r}: give a non-empty list of text, numbers or booleans.")
            checked[code] = values
        elif _is_scalar(condition):
            checked[code] = condition
        else:
            raise ValueError(f"Filter on {code!r}: {condition!r} is not a value, a list or a range.")
    return checked


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _in_range(value: Any, bounds: Mapping[str, float]) -> bool:
    if not _is_number(value):
        return False
    return all(_COMPARE[op](value, bound) for op, bound in bounds.items())


def matches(attributes: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    """Whether a document's attributes satisfy normalised `filters` (MongoDB's semantics)."""
    for code, condition in filters.items():
        if code not in attributes:
            return False
        value = attributes[code]
        candidates = value if isinstance(value, list) else [value]
        if isinstance(condition, dict):
            ok = any(_in_range(v, condition) for v in candidates)
        elif isinstance(condition, list):
            ok = any(_same(v, wanted) for v in candidates for wanted in condition)
        else:
            ok = any(_same(v, condition) for v in candidates)
        if not ok:
            return False
    return True
