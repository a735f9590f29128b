"""shop/admin.py's labels for other apps' ids: one resolve per kind of id for a whole page, the
labels kept with the rows of the request that loaded them, and money in rupees."""

from __future__ import annotations

import pytest

from inventory.models import Allocation, StockAdjustment
from shop.admin import LabelColumn, Lookup, MoneyColumn, inr, labels_resolve


class Counting:
    def __init__(self, labels: dict):
        self.labels, self.calls = labels, []

    def __call__(self, ids: set) -> dict:
        self.calls.append(set(ids))
        return {i: self.labels[i] for i in ids if i in self.labels}


@pytest.mark.parametrize(("paise", "text"), [
    (515800, "₹5,158.00"), (49950, "₹499.50"), (12345678, "₹1,23,456.78"), (0, "₹0.00"), (-4000, "-₹40.00"),
    (None, "-"),
])
def test_money_reads_in_rupees_with_paise(paise, text):
    assert inr(paise) == text


def test_a_money_column_sorts_by_its_paise_field():
    column = MoneyColumn("amount_paise", description="amount")
    assert (column.short_description, column.admin_order_field) == ("amount", "amount_paise")


def test_one_resolve_per_lookup_for_every_row_and_column_that_share_it():
    people = Counting({1: "asha@example.com", 2: "ravi@example.com"})
    places = Counting({10: "DEL1 (Delhi)"})
    users, warehouses = Lookup(people), Lookup(places)
    actor = LabelColumn("actor_id", users, description="changed by", empty="the system")
    item_owner = LabelColumn("item_id", users, description="owner")  # a second column on the same lookup
    warehouse = LabelColumn("warehouse_id", warehouses, description="warehouse")
    rows = [StockAdjustment(item_id=2, warehouse_id=10, actor_id=1), StockAdjustment(item_id=2, warehouse_id=10,
                                                                                     actor_id=None),
            StockAdjustment(item_id=1, warehouse_id=99, actor_id=3)] * 10

    labels_resolve(rows, [actor, item_owner, warehouse])
    shown = [(actor.text(r), item_owner.text(r), warehouse.text(r)) for r in rows]

    assert people.calls == [{1, 2, 3}] and places.calls == [{10, 99}]
    assert shown[:3] == [("asha@example.com", "ravi@example.com", "DEL1 (Delhi)"),
                         ("the system", "ravi@example.com", "DEL1 (Delhi)"),
                         ("3 (not found)", "asha@example.com", "99 (not found)")]


def test_a_row_shown_alone_resolves_its_own_label_once():
    orders = Counting({"o-1": "#O1"})
    column = LabelColumn("order_id", Lookup(orders, missing="order {id} (gone)"), description="order")
    row = Allocation(order_id="o-1")

    assert column(row) == "#O1" and column(row) == "#O1"
    assert orders.calls == [{"o-1"}]
    assert column(Allocation(order_id="o-2")) == "order o-2 (gone)"


def test_labels_stay_with_the_rows_of_their_request():
    """The ModelAdmin and its columns are shared by every request in the process; the labels are
    kept on each request's own row objects, so a request never reads another's."""
    names = {1: "before@example.com"}
    column = LabelColumn("actor_id", Lookup(lambda ids: {i: names[i] for i in ids}), description="by")
    state = dict(vars(column))
    first = [StockAdjustment(actor_id=1)]
    labels_resolve(first, [column])

    names[1] = "after@example.com"  # the user changed their email between two page loads
    second = [StockAdjustment(actor_id=1)]
    labels_resolve(second, [column])

    assert column.text(first[0]) == "before@example.com" and column.text(second[0]) == "after@example.com"
    assert vars(column) == state


@pytest.mark.django_db
def test_a_label_links_to_the_admin_page_it_names():
    column = LabelColumn("actor_id", Lookup(lambda ids: {7: "asha@example.com"}, url_name="admin:accounts_user_change"),
                         description="by")
    unlinked = LabelColumn("actor_id", column.lookup, description="by", link=False)

    assert column(StockAdjustment(actor_id=7)) == '<a href="/admin/accounts/user/7/change/">asha@example.com</a>'
    assert unlinked(StockAdjustment(actor_id=7)) == "asha@example.com"
    assert column(StockAdjustment(actor_id=8)) == "8 (not found)"  # nothing to link to
