"""Many shipments of one seller invoiced at once: every number once, none skipped. Meant for
MariaDB (DATABASE_URL=mysql://root@127.0.0.1:3306/test), where the threads really race; on SQLite
they take turns."""

from __future__ import annotations

import pytest

from events.registry import dispatch
from invoicing.models import Invoice, InvoiceCounter
from tests.concurrency import run_concurrently
from tests.invoicing.conftest import shipment_event

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_invoices_of_one_seller_get_consecutive_numbers(shop_tx, user_factory):
    other = user_factory(email="other-seller@example.com", is_seller=True)
    events = [shipment_event(shop_tx.payload(warehouse="DEL1" if n % 2 else "BLR1")) for n in range(24)]
    events += [shipment_event(shop_tx.payload(seller_id=other.pk)) for _ in range(6)]
    # and each shipment's event twice, as a redelivery racing the first
    events += [shipment_event(event.payload) for event in events[:6]]

    results = run_concurrently(dispatch, [(event,) for event in events], workers=12)

    assert [r for r in results if isinstance(r, Exception)] == []
    mine = sorted(Invoice.objects.filter(seller_id=shop_tx.seller.pk).values_list("sequence", flat=True))
    theirs = sorted(Invoice.objects.filter(seller_id=other.pk).values_list("sequence", flat=True))
    assert mine == list(range(1, 25)) and theirs == list(range(1, 7))
    assert dict(InvoiceCounter.objects.values_list("seller_id", "last_number")) == {
        shop_tx.seller.pk: 24, other.pk: 6}
