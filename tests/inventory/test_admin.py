"""Staff adjust stock in admin: through the audited service, never past what is reserved."""

from inventory.models import Stock, StockAdjustment
from inventory.services import LineRequest, allocation_plan, stock_reserve
from tests.shop_world import DELHI_PIN


def test_staff_stock_change_in_admin_is_audited(client, world, user_factory):
    staff = user_factory(email="staff@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    item = world.add_item("A1", stock={"DEL1": 4})
    stock = Stock.objects.get(item_id=item)

    response = client.post(f"/admin/inventory/stock/{stock.pk}/change/", {"on_hand": 9})

    assert response.status_code == 302
    assert Stock.objects.get(pk=stock.pk).on_hand == 9
    audit = StockAdjustment.objects.filter(source="admin").get()
    assert (audit.actor_id, audit.on_hand_before, audit.on_hand_after) == (staff.pk, 4, 9)


def test_admin_refuses_on_hand_below_reserved(client, world, user_factory):
    client.force_login(user_factory(email="staff@example.com", is_staff=True, is_superuser=True))
    item = world.add_item("A1", stock={"DEL1": 4})
    stock_reserve(order_id="o1", plan=allocation_plan(lines=[LineRequest(item, 3)], pin_code=DELHI_PIN))
    stock = Stock.objects.get(item_id=item)

    response = client.post(f"/admin/inventory/stock/{stock.pk}/change/", {"on_hand": 1})

    assert response.status_code == 200  # the form again, with the error
    assert "reserved for open orders" in response.content.decode()
    assert Stock.objects.get(pk=stock.pk).on_hand == 4
    assert not StockAdjustment.objects.filter(source="admin").exists()
