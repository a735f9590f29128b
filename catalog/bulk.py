"""Bulk onboarding from a CSV file: turn its rows into the rows `items_bulk_upsert` takes.

Columns (header row first, any order; only sku, title, category and price are required):

    sku, title, brand, category, price, description, images, status, parent_sku, attr:<code> ...

- category: the category's id, its path ("electronics/mobiles") or a slug only it has
- price: rupees, as "1299", "1,299.50" or "₹1,299"; or a price_paise column in paise
- images: URLs separated by "|" or spaces
- parent_sku: the listing the item is a variant of (rows with the same parent SKU are one
  listing, their options in attr: columns); an empty cell keeps what the item has
- attr:<code>: the attribute's value as text: "55 inch" or "55", "yes"/"no", "Red|Blue" for
  several choices. An empty cell means no value.

Errors come back keyed by column name (price, category, attr:screen_size), rows numbered as a
spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.selectors import category_resolve
from catalog.services import BULK_MAX_ROWS, BulkReport, RowError, TooManyRows, items_bulk_upsert

ATTRIBUTE_PREFIX = "attr:"
PLAIN_COLUMNS = (
    "sku",
    "title",
    "brand",
    "category",
    "category_id",
    "price",
    "price_paise",
    "description",
    "images",
    "status",
    "parent_sku",
)
REQUIRED_COLUMNS = ("sku", "title")
CSV_MAX_BYTES = 5 * 1024 * 1024


class CsvRejected(Exception):
    """The file as a whole cannot be read (encoding, header, size); nothing was imported."""


@dataclass
class ParsedCsv:
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)  # rows that failed before validation


def _rupees_to_paise(text: str) -> int:
    cleaned = re.sub(r"[₹,\s]|^Rs\.?|^INR", "", text.strip(), flags=re.IGNORECASE)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f'"{text}" is not an amount in rupees, e.g. 1299 or 1,299.50.') from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e15"):
        raise ValueError(f'"{text}" is not a price we can sell at.')
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f'"{text}": use at most two decimal places (paise).')
    return int(amount * 100)


def _whole_number(text: str) -> int:
    if not re.fullmatch(r"\s*\d+\s*", text):
        raise ValueError(f'"{text}" is not a whole number.')
    return int(text)


def csv_parse(data: bytes) -> ParsedCsv:
    """Read an uploaded CSV file. Raises CsvRejected or TooManyRows for the file as a whole."""
    if len(data) > CSV_MAX_BYTES:
        raise CsvRejected(f"The file is larger than {CSV_MAX_BYTES // (1024 * 1024)} MB; split it.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvRejected(f"The file is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise CsvRejected("The file is empty; the first row names the columns.") from None
    except csv.Error as exc:
        raise CsvRejected(f"Not a CSV file: {exc}") from None
    _check_header(header)
    records: list[tuple[int, list[str]]] = []
    try:
        for number, record in enumerate(reader, start=2):
            if any(cell.strip() for cell in record):
                records.append((number, record))
    except csv.Error as exc:
        raise CsvRejected(f"Row {reader.line_num}: {exc}") from None
    if len(records) > BULK_MAX_ROWS:
        raise TooManyRows(
            f"At most {BULK_MAX_ROWS} rows per request; this file has {len(records)}. "
            "Split it into several files."
        )
    parsed = ParsedCsv()
    for number, record in records:
        row, errors = _row(header, record)
        if errors:
            parsed.errors.append(RowError(number, str(row.get("sku", "")), errors))
        else:
            parsed.rows.append(row)
            parsed.row_numbers.append(number)
    return parsed


def _check_header(header: Sequence[str]) -> None:
    problems = []
    seen = set()
    for name in header:
        if name in seen:
            problems.append(f'column "{name}" appears twice')
        seen.add(name)
        if name not in PLAIN_COLUMNS and not (
            name.startswith(ATTRIBUTE_PREFIX) and len(name) > len(ATTRIBUTE_PREFIX)
        ):
            problems.append(f'unknown column "{name}" (attribute columns are named attr:<code>)')
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if "category" not in seen and "category_id" not in seen:
        missing.append("category")
    if "price" not in seen and "price_paise" not in seen:
        missing.append("price")
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if problems:
        raise CsvRejected("The header row is not right: " + "; ".join(problems) + ".")


def _row(header: Sequence[str], record: Sequence[str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    if len(record) > len(header):
        errors["row"] = [f"{len(record)} cells but only {len(header)} columns."]
    cells = {name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(header)}
    row: dict[str, Any] = {"attributes": {}}
    for name, value in cells.items():
        if name.startswith(ATTRIBUTE_PREFIX):
            if value:
                row["attributes"][name[len(ATTRIBUTE_PREFIX) :]] = value
        elif name in ("sku", "title", "brand", "description", "status", "parent_sku") and value:
            row[name] = value
    if cells.get("images"):
        row["images"] = [url for url in re.split(r"[|\s]+", cells["images"]) if url]
    reference = cells.get("category") or cells.get("category_id") or ""
    if reference:
        category = category_resolve(reference)
        if category is None:
            errors["category"] = [f'No category "{reference}": give its id, its path or its slug.']
        else:
            row["category_id"] = category.pk
    price = cells.get("price") or ""
    try:
        if price:
            row["price_paise"] = _rupees_to_paise(price)
        elif cells.get("price_paise"):
            row["price_paise"] = _whole_number(cells["price_paise"])
    except ValueError as exc:
        errors["price"] = [str(exc)]
    return row, errors


def _csv_key(name: str) -> str:
    if name == "price_paise":
        return "price"
    if name == "category_id":
        return "category"
    if name.startswith("attributes."):
        return ATTRIBUTE_PREFIX + name[len("attributes.") :]
    return name


def items_bulk_upsert_csv(*, seller_id: int, data: bytes) -> BulkReport:
    """Import a CSV file: the good rows are committed, the bad ones reported by row and column."""
    parsed = csv_parse(data)
    report = items_bulk_upsert(
        seller_id=seller_id, rows=parsed.rows, row_numbers=parsed.row_numbers, from_text=True
    )
    errors = [RowError(e.row, e.sku, _keyed_by_column(e.errors)) for e in report.errors] + parsed.errors
    errors.sort(key=lambda e: e.row)
    return BulkReport(
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        errors=errors,
        item_ids=report.item_ids,
    )


def _keyed_by_column(errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    return {_csv_key(name): messages for name, messages in errors.items()}
