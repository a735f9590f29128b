"""The OpenAPI schema is the API: Schemathesis runs every operation of /api/schema/ against the app,
in process, with all its checks (docs/decisions/0017-api-schema-conformance.md).

For each operation: the schema's examples, the coverage phase (boundary values, each constraint
broken once, missing required parts) and MAX_EXAMPLES fuzzed requests, valid and invalid, from a
fixed seed, so a run is repeatable. Every response must be one the schema lists (status, content
type, body, headers); every request the schema calls invalid must be refused; every request it
calls valid must be accepted, or refused only for a reason the schema can't see (401, 403, 404,
409, 429); undeclared methods answer 405 with an honest `Allow`; declared authentication must be
enforced.

A shop is seeded for each operation (tests/shop_world.py): a seller with an item in stock at two
warehouses, a customer with that item in the cart and on the wishlist, and a paid order. Sellers'
operations run as the seller, the rest as the customer, each with a DRF token.

What the schema can't say, the test says, for valid requests only (invalid ones go out exactly as
generated):
- a reference in a body (a product, a category, a SKU and warehouse to stock) names something
  that exists; a path id does every other time (a random one is a 404, which is fine);
- a new item's SKU is one the seller doesn't use yet (the rows of a bulk upload share ten, so a
  1,000-row upload saves ten items and reports the rest as repeats: still valid, and quick);
- a PIN code is one India Post assigned: the `pin-code` format draws from those of the test shop's
  regions (some deliverable, some not);
- a picture upload is a picture, to an item with room for it; a CSV upload is a readable CSV;
- a price range has its minimum at most its maximum;
- a cursor is one the API handed out, so valid requests go without (a made-up one is refused).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import indian_pincode
import jsonschema
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import CHECKS, is_check_class, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection
from schemathesis.specs.openapi.converter import to_json_schema
from schemathesis.transport.serialization import Binary

from cart.selectors import CartOwner
from cart.services import cart_add
from tests.orders.helpers import customer_presses, place
from tests.shop_world import REGIONS
from wishlist.services import wishlist_add

MAX_EXAMPLES = 25
SEED = 20261207
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND"
       b"\xaeB`\x82")

CONFIG = SchemathesisConfig.from_dict({
    "seed": SEED,
    "generation": {
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "database": "none",  # nothing to replay: the same examples every run
        # Each request carries the token of its role; generated credentials would be a third,
        # invalid identity on every request.
        "with-security-parameters": False,
    },
    # Stateful testing follows links between operations; the schema declares none.
    "phases": {"stateful": {"enabled": False}},
    "operations": [{
        "include-name": "POST /api/v1/orders",
        # 422 is this operation's answer to a well-formed order the shop can't carry out now (nothing
        # deliverable to that PIN code, a product no longer for sale, an empty cart) and to an
        # Idempotency-Key reused for a different order, as the IETF Idempotency-Key draft says. The
        # check reads 422 as "invalid input", which it isn't here.
        "checks": {"positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]}},
    }],
})

# PIN codes India Post assigned, in the regions the test shop loads.
schemathesis.openapi.format("pin-code", st.sampled_from(
    [pin for pin in indian_pincode.get_pincodes() if pin.startswith(REGIONS)]))

# Every check Schemathesis has, in its own order. (The order matters: `ignored_auth` sends the
# request again without credentials, and that probe shares the case's metadata and re-judges a
# binary upload as invalid, so the data checks must run before it, as they do here.)
load_all_checks()
ALL_CHECKS = [check for check in CHECKS.get_all() if not is_check_class(check)]
assert ALL_CHECKS.index(ignored_auth) > ALL_CHECKS.index(negative_data_rejection)

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)


@dataclass
class Shop:
    world: object
    seller_token: str
    customer_token: str
    item_id: int
    sku: str
    warehouse: str
    category_id: int
    category_slug: str
    order_id: str
    turns: itertools.count = field(default_factory=itertools.count)


@pytest.fixture(autouse=True)
def _one_connection_for_the_test():
    """Django's WSGI handler closes the database connection after each request; the test
    database lives in this connection's transaction, so keep it (as Django's test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def shop(world) -> Shop:
    item_id = world.add_item("PHONE-1", price_paise=1_999_00, stock={"DEL1": 5_000, "BLR1": 5_000})
    paid = place(world.customer.pk, item_id, 1)
    customer_presses(paid, "pay")
    cart_add(owner=CartOwner.customer(world.customer.pk), item_id=item_id, quantity=1)
    wishlist_add(user_id=world.customer.pk, item_id=item_id)
    return Shop(
        world=world,
        seller_token=Token.objects.create(user=world.seller).key,
        customer_token=Token.objects.create(user=world.customer).key,
        item_id=item_id, sku="PHONE-1", warehouse="DEL1", category_id=world.category_id,
        category_slug="gadgets", order_id=str(paid.pk),
    )


def _valid_means_existing(case, shop: Shop) -> None:
    """Make a valid request refer to the shop's things (see the module's docstring)."""
    meta, turn = case.meta, next(shop.turns)
    if meta is None:
        return
    label = case.operation.label
    if not meta.is_negative_at(ParameterLocation.PATH) and turn % 2 == 0:
        ids = {"item_id": shop.item_id, "product_id": shop.item_id, "order_id": shop.order_id}
        case.path_parameters = {name: ids.get(name, value) for name, value in case.path_parameters.items()}
    if not meta.is_negative_at(ParameterLocation.QUERY) and isinstance(case.query, dict):
        query = {name: value for name, value in case.query.items() if name != "cursor"}
        low, high = query.get("price_min_paise"), query.get("price_max_paise")
        if low is not None and high is not None and int(low) > int(high):
            query.update(price_min_paise=high, price_max_paise=low)
        if query != case.query:
            case.query = query
    if meta.is_negative_at(ParameterLocation.BODY) or not isinstance(case.body, dict | list):
        return
    if label == "POST /api/v1/seller/items/{item_id}/images":
        if not meta.is_negative_at(ParameterLocation.PATH):
            room = shop.world.add_item(f"PICTURED-{turn}")  # at most 10 pictures an item
            case.path_parameters = {"item_id": room}
        _upload(case, PNG)
        return
    if label == "POST /api/v1/seller/items/bulk" and "file" in case.body:
        csv = f"sku,title,category,price\nCSV-{turn},Phone,{shop.category_slug},1299\n"
        _upload(case, csv.encode())
        return
    body = case.body
    for number, row in enumerate(body if isinstance(body, list) else [body]):
        if not isinstance(row, dict):
            continue
        if "warehouse" in row:  # stock for the seeded item
            row.update(sku=shop.sku, warehouse=shop.warehouse)
        elif "sku" in row:  # an item's own SKU: one no other item has (a bulk upload repeats ten)
            row["sku"] = f"NEW-{turn}-{number % 10}"
        for name, value in {"product_id": shop.item_id, "category_id": shop.category_id}.items():
            if name in row:
                row[name] = value
        if "attributes" in row:
            row["attributes"] = {}  # the seeded category defines none
        if row.get("parent_sku") is not None:
            row["parent_sku"] = None  # nor options, so its items can't be variants (tests/catalog/test_variants.py)
        for line in row.get("lines") or ():
            if isinstance(line, dict) and "product_id" in line:
                line["product_id"] = shop.item_id
    case.body = body


def _upload(case, data: bytes) -> None:
    """A valid upload's file. Schemathesis can't validate a binary body it didn't generate and would
    call the case invalid; the file is part of the valid case as generated, so say so."""
    case.body = {**case.body, "file": Binary(data)}
    case._record_starting_state()


def bulk_rows_reported(ctx, response, case):
    """Bulk upload instead of `negative_data_rejection`: a row the schema calls invalid is not a
    reason to refuse the others (the operation saves the good rows and reports the bad ones, by
    design), so an invalid request may be a 200 as long as each invalid row is in `errors`."""
    body = case.body
    if response.status_code != 200 or not isinstance(body, list) or case.meta is None:
        return negative_data_rejection(ctx, response, case)
    row_schema = to_json_schema(case.operation.schema.raw_schema["components"]["schemas"]["BulkItemRowRequest"],
                                nullable_keyword="nullable")
    validator = jsonschema.Draft4Validator(row_schema)
    invalid = {number for number, row in enumerate(body, start=1) if not validator.is_valid(row)}
    if not invalid:
        return negative_data_rejection(ctx, response, case)
    reported = {error["row"] for error in response.json()["errors"]}
    assert invalid <= reported, f"rows {sorted(invalid - reported)} break the schema but were saved"
    return None


@schema.parametrize()
# One shop per operation, shared by its examples, on purpose; requests go through the whole app;
# a bulk upload may hold 1,000 rows.
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                HealthCheck.data_too_large, HealthCheck.large_base_example])
def test_every_operation_answers_as_its_schema_says(case, shop):
    _valid_means_existing(case, shop)
    token = shop.seller_token if case.path.startswith("/api/v1/seller/") else shop.customer_token
    checks = ALL_CHECKS
    if case.operation.label == "POST /api/v1/seller/items/bulk":
        checks = [bulk_rows_reported if check is negative_data_rejection else check for check in ALL_CHECKS]
    # identity: schemathesis' WSGI transport does not undo gzip, as HTTP clients do (the shop gzips
    # JSON for clients that ask: tests/shop/test_compression.py).
    case.call_and_validate(headers={"Authorization": f"Token {token}", "Accept-Encoding": "identity"},
                           checks=checks)


def test_each_operation_is_a_test_of_its_own(request):
    """pytest-xdist runs tests by node id: each operation's test needs an id of its own (conftest.py)."""
    tests = [item for item in request.session.items
             if item.name.startswith("test_every_operation_answers_as_its_schema_says[")]
    assert all(item.nodeid.endswith(f"::{item.name}") for item in tests)
