"""The cart's use cases, as the customer would see them."""

from __future__ import annotations

import pytest

from cart.interface import CartLine, cart_lines
from cart.models import MAX_QUANTITY_PER_LINE, Cart, Line
from cart.selectors import CartOwner, LineStatus, cart_count_get, cart_view_get
from cart.services import (
    InvalidQuantity,
    ItemNotForSale,
    LineLimitExceeded,
    LineNotFound,
    NotEnoughStock,
    OutOfStock,
    cart_add,
    cart_clear_items,
    cart_merge,
    cart_remove,
    cart_set_quantity,
)
from catalog.interface import ItemNotFound
from tests.cart.fixtures import outbox

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def owner(customer):
    return CartOwner.customer(customer.pk)


def test_add_then_add_again_adds_up_and_the_view_totals_in_paise(owner, make_item):
    kettle = make_item(price_paise=129900, stock=5)
    mug = make_item(price_paise=24950, stock=9)

    cart_add(owner=owner, item_id=kettle, quantity=1)
    change = cart_add(owner=owner, item_id=kettle, quantity=2)
    cart_add(owner=owner, item_id=mug)

    assert (change.previous_quantity, change.quantity) == (1, 3)
    view = cart_view_get(owner=owner)
    assert [(line.item_id, line.quantity, line.line_total_paise) for line in view.lines] == [
        (kettle, 3, 389700), (mug, 1, 24950)]
    assert view.subtotal_paise == 389700 + 24950
    assert view.item_count == 4
    assert view.ready_for_checkout
    assert cart_lines(user_id=owner.user_id) == [CartLine(kettle, 3), CartLine(mug, 1)]


def test_update_and_remove(owner, make_item):
    kettle = make_item(stock=5)
    cart_add(owner=owner, item_id=kettle, quantity=2)

    cart_set_quantity(owner=owner, item_id=kettle, quantity=4)
    assert cart_lines(user_id=owner.user_id) == [CartLine(kettle, 4)]
    cart_set_quantity(owner=owner, item_id=kettle, quantity=1)
    assert cart_lines(user_id=owner.user_id) == [CartLine(kettle, 1)]

    removed = cart_remove(owner=owner, item_id=kettle)
    assert removed.previous_quantity == 1
    assert cart_lines(user_id=owner.user_id) == []
    assert cart_remove(owner=owner, item_id=kettle) is None  # twice is harmless
    with pytest.raises(LineNotFound):
        cart_set_quantity(owner=owner, item_id=kettle, quantity=2)


def test_quantity_zero_removes_the_line(owner, make_item):
    kettle = make_item()
    cart_add(owner=owner, item_id=kettle)
    change = cart_set_quantity(owner=owner, item_id=kettle, quantity=0)
    assert change.quantity == 0
    assert not Line.objects.exists()


def test_cannot_ask_for_more_than_available(owner, make_item):
    kettle = make_item(stock=3)
    cart_add(owner=owner, item_id=kettle, quantity=2)

    with pytest.raises(NotEnoughStock) as error:
        cart_add(owner=owner, item_id=kettle, quantity=2)
    assert (error.value.available, error.value.in_cart) == (3, 2)
    assert "Only 3 units" in str(error.value) and "already has 2" in str(error.value)
    with pytest.raises(NotEnoughStock):
        cart_set_quantity(owner=owner, item_id=kettle, quantity=4)
    assert cart_lines(user_id=owner.user_id) == [CartLine(kettle, 2)]  # nothing changed


def test_out_of_stock_says_so(owner, make_item):
    kettle = make_item(stock=0, title="Copper kettle")
    with pytest.raises(OutOfStock, match="“Copper kettle” is out of stock"):
        cart_add(owner=owner, item_id=kettle)
    assert not Cart.objects.exists()  # the cart created for the add rolled back with it


def test_per_line_limit(owner, make_item):
    kettle = make_item(stock=50)
    cart_add(owner=owner, item_id=kettle, quantity=MAX_QUANTITY_PER_LINE)
    with pytest.raises(LineLimitExceeded):
        cart_add(owner=owner, item_id=kettle, quantity=1)
    with pytest.raises(InvalidQuantity):
        cart_add(owner=owner, item_id=kettle, quantity=MAX_QUANTITY_PER_LINE + 1)
    with pytest.raises(InvalidQuantity):
        cart_add(owner=owner, item_id=kettle, quantity=0)


def test_only_active_items(owner, make_item, retire):
    draft = make_item(status="draft")
    retired = make_item()
    retire(retired)
    with pytest.raises(ItemNotFound):
        cart_add(owner=owner, item_id=draft)
    with pytest.raises(ItemNotForSale):
        cart_add(owner=owner, item_id=retired)
    with pytest.raises(ItemNotFound):
        cart_add(owner=owner, item_id=987654)


def test_lowering_a_quantity_always_works_even_when_stock_fell(owner, make_item, set_stock):
    kettle = make_item(stock=5)
    cart_add(owner=owner, item_id=kettle, quantity=4)
    set_stock(kettle, 2)

    line = cart_view_get(owner=owner).lines[0]
    assert line.status == LineStatus.NOT_ENOUGH_STOCK and line.available == 2
    assert not cart_view_get(owner=owner).ready_for_checkout

    cart_set_quantity(owner=owner, item_id=kettle, quantity=3)  # still short, but lower: allowed
    with pytest.raises(NotEnoughStock):
        cart_set_quantity(owner=owner, item_id=kettle, quantity=4)
    cart_set_quantity(owner=owner, item_id=kettle, quantity=2)
    assert cart_view_get(owner=owner).ready_for_checkout


def test_price_change_since_added_is_flagged_and_todays_price_counts(owner, make_item, set_price):
    kettle = make_item(price_paise=100000)
    mug = make_item(price_paise=20000)
    cart_add(owner=owner, item_id=kettle, quantity=2)
    cart_add(owner=owner, item_id=mug)

    set_price(kettle, 89900)

    view = cart_view_get(owner=owner)
    line = view.lines[0]
    assert line.price_changed and line.price_paise_at_add == 100000 and line.unit_price_paise == 89900
    assert line.price_difference_paise == -10100
    assert not view.lines[1].price_changed
    assert view.has_price_changes
    assert view.subtotal_paise == 2 * 89900 + 20000

    cart_add(owner=owner, item_id=kettle)  # adding again: the customer has seen today's price
    assert not cart_view_get(owner=owner).has_price_changes


def test_lines_of_items_no_longer_sold_or_out_of_stock_are_marked_and_left_out(owner, make_item, retire,
                                                                                set_stock):
    kept, gone, empty = make_item(price_paise=1000), make_item(price_paise=2000), make_item(price_paise=4000)
    for item in (kept, gone, empty):
        cart_add(owner=owner, item_id=item)
    retire(gone)
    set_stock(empty, 0)

    view = cart_view_get(owner=owner)
    assert [line.status for line in view.lines] == [LineStatus.OK, LineStatus.UNAVAILABLE, LineStatus.OUT_OF_STOCK]
    assert view.subtotal_paise == 1000
    assert [line.item_id for line in view.problem_lines] == [gone, empty]


def test_cart_page_reads_in_a_fixed_number_of_queries(owner, make_item, django_assert_max_num_queries):
    items = [make_item(price_paise=1000 + n) for n in range(12)]
    cart_add(owner=owner, item_id=items[0])
    with django_assert_max_num_queries(4) as one_line:
        cart_view_get(owner=owner)
    for item in items[1:]:
        cart_add(owner=owner, item_id=item)
    with django_assert_max_num_queries(4) as twelve_lines:
        view = cart_view_get(owner=owner)
    assert len(view.lines) == 12
    assert len(twelve_lines.captured_queries) == len(one_line.captured_queries)


def test_count_is_cached_and_forgotten_on_change(owner, make_item, django_assert_num_queries):
    kettle = make_item()
    assert cart_count_get(owner=owner) == 0
    cart_add(owner=owner, item_id=kettle, quantity=2)
    assert cart_count_get(owner=owner) == 2
    with django_assert_num_queries(0):
        assert cart_count_get(owner=owner) == 2
    cart_set_quantity(owner=owner, item_id=kettle, quantity=3)
    assert cart_count_get(owner=owner) == 3


def test_every_change_emits_an_event_beside_the_cart_rows(owner, make_item):
    kettle = make_item(price_paise=50000)
    cart_add(owner=owner, item_id=kettle, quantity=2)
    cart_set_quantity(owner=owner, item_id=kettle, quantity=3)
    cart_remove(owner=owner, item_id=kettle)

    events = outbox("cart.")
    assert [e.type for e in events] == ["cart.item_added.v1", "cart.quantity_changed.v1", "cart.item_removed.v1"]
    added, changed, removed = (e.payload for e in events)
    assert added["user_id"] == owner.user_id and added["cart_token"] is None
    assert (added["item_id"], added["quantity"], added["price_paise"]) == (kettle, 2, 50000)
    assert (changed["previous_quantity"], changed["quantity"]) == (2, 3)
    assert (removed["quantity"], removed["reason"]) == (3, "removed")
    assert len({e.key for e in events}) == 1  # one key: the cart's events stay in order


def test_refused_changes_emit_nothing(owner, make_item):
    kettle = make_item(stock=1)
    with pytest.raises(NotEnoughStock):
        cart_add(owner=owner, item_id=kettle, quantity=2)
    assert outbox("cart.") == []


def test_merge_adds_quantities_capped_by_availability(customer, make_item, retire):
    both, only_anonymous, scarce, retired = (make_item(stock=5), make_item(stock=5), make_item(stock=3),
                                             make_item(stock=5))
    mine = CartOwner.customer(customer.pk)
    visitor = CartOwner.visitor("visitor-token")
    cart_add(owner=mine, item_id=both, quantity=2)
    cart_add(owner=mine, item_id=scarce, quantity=2)
    cart_add(owner=visitor, item_id=both, quantity=1)
    cart_add(owner=visitor, item_id=only_anonymous, quantity=4)
    cart_add(owner=visitor, item_id=scarce, quantity=3)
    cart_add(owner=visitor, item_id=retired, quantity=1)
    retire(retired)

    result = cart_merge(token="visitor-token", user_id=customer.pk)

    assert dict(cart_view_quantities(mine)) == {both: 3, scarce: 3, only_anonymous: 4}
    assert result.capped == (scarce,) and result.dropped == (retired,)
    assert not Cart.objects.filter(token="visitor-token").exists()
    merged = outbox("cart.merged")[-1].payload
    assert merged["user_id"] == customer.pk and merged["from_cart_token"] == "visitor-token"
    assert {line["item_id"]: line["added"] for line in merged["lines"]} == {both: 1, scarce: 1, only_anonymous: 4}

    assert cart_merge(token="visitor-token", user_id=customer.pk).changed is False  # twice: nothing


def test_merge_never_lowers_what_the_customer_had(customer, make_item, set_stock):
    kettle = make_item(stock=5)
    mine = CartOwner.customer(customer.pk)
    cart_add(owner=mine, item_id=kettle, quantity=4)
    cart_add(owner=CartOwner.visitor("t"), item_id=kettle, quantity=1)
    set_stock(kettle, 2)

    result = cart_merge(token="t", user_id=customer.pk)

    assert cart_lines(user_id=customer.pk) == [CartLine(kettle, 4)]
    assert result.capped == (kettle,)


def test_merge_into_a_customer_without_a_cart_keeps_the_price_at_add(customer, make_item, set_price):
    kettle = make_item(price_paise=10000)
    cart_add(owner=CartOwner.visitor("t"), item_id=kettle, quantity=2)
    set_price(kettle, 12000)

    cart_merge(token="t", user_id=customer.pk)

    line = cart_view_get(owner=CartOwner.customer(customer.pk)).lines[0]
    assert (line.quantity, line.price_paise_at_add, line.price_changed) == (2, 10000, True)


def test_clear_items_removes_those_lines_only_and_is_idempotent(owner, make_item):
    kettle, mug = make_item(), make_item()
    cart_add(owner=owner, item_id=kettle, quantity=2)
    cart_add(owner=owner, item_id=mug)

    assert cart_clear_items(user_id=owner.user_id, item_ids=[kettle]) == 1
    assert cart_clear_items(user_id=owner.user_id, item_ids=[kettle]) == 0
    assert cart_lines(user_id=owner.user_id) == [CartLine(mug, 1)]
    assert outbox("cart.item_removed")[-1].payload["reason"] == "ordered"


def cart_view_quantities(owner: CartOwner) -> list[tuple[int, int]]:
    return [(line.item_id, line.quantity) for line in cart_view_get(owner=owner).lines]


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_concurrent_adds_to_one_cart_respect_the_line_limit(customer, make_item):
    """Two tabs add 6 each at once: the cart row's lock lets one in at a time, so the second sees
    the first's 6 and is refused (6 + 6 > 10) instead of both writing 6 over an empty line."""
    import threading

    from django.db import connections

    kettle = make_item(stock=50)
    owner = CartOwner.customer(customer.pk)
    cart_add(owner=owner, item_id=kettle, quantity=1)
    cart_set_quantity(owner=owner, item_id=kettle, quantity=0)  # the cart exists, the line does not
    start, outcomes = threading.Barrier(2), []

    def tab():
        try:
            start.wait()
            outcomes.append(cart_add(owner=owner, item_id=kettle, quantity=6).quantity)
        except LineLimitExceeded:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tab) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes, key=str) == [6, "refused"]
    assert cart_lines(user_id=customer.pk) == [CartLine(kettle, 6)]


def test_abandoned_anonymous_carts_are_purged_customers_carts_kept(customer, make_item):
    from datetime import timedelta

    from django.utils import timezone

    from cart.tasks import purge_abandoned_carts

    kettle = make_item()
    cart_add(owner=CartOwner.visitor("old"), item_id=kettle)
    cart_add(owner=CartOwner.visitor("fresh"), item_id=kettle)
    cart_add(owner=CartOwner.customer(customer.pk), item_id=kettle)
    Cart.objects.exclude(token="fresh").update(updated_at=timezone.now() - timedelta(days=40))

    assert purge_abandoned_carts.delay(days=30).get() == 1

    assert set(Cart.objects.values_list("token", flat=True)) == {"fresh", None}
    assert cart_lines(user_id=customer.pk) == [CartLine(kettle, 1)]
