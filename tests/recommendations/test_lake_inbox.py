"""The lake inbox on the in-process bus: a relayed batch of behaviour events is one INSERT, whatever its size."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.backends.base import Event
from events.backends.in_process import InProcessEventBus
from events.models import HandledEvent
from events.services import emit, relay_pending
from recommendations.behaviour import BehaviourEvent, BehaviourType, behaviour_event_type
from recommendations.handlers import on_behaviour
from recommendations.models import LakeInbox

pytestmark = pytest.mark.django_db

VIEWED = behaviour_event_type(BehaviourType.PRODUCT_VIEWED)


@pytest.fixture(autouse=True)
def no_drain(settings, tmp_path):
    settings.BEHAVIOUR_LAKE_PATH = str(tmp_path / "lake")
    settings.RECOMMENDATIONS_LAKE_BATCH = 100_000  # the drain check runs, the drain does not


def product_views(n: int, *, visitor: str = "visitor-1") -> list[Event]:
    events = []
    for i in range(n):
        view = BehaviourEvent(event_id=uuid.uuid4(), type=BehaviourType.PRODUCT_VIEWED, occurred_at=timezone.now(),
                              visitor_id=visitor, customer_id=None, item_id=i + 1, category_id=1, price_paise=100,
                              pin_code="", query="", position=None, quantity=1)
        events.append(Event(event_id=view.event_id, type=VIEWED, key=visitor, occurred_at=view.occurred_at,
                            payload=view.as_payload()))
    return events


def relay_views(n: int, django_capture_on_commit_callbacks) -> int:
    """Emit n product views (as the analytics flush does) and relay them; the queries the relay made."""
    for view in product_views(n):
        emit(VIEWED, key=view.key, payload=view.payload, relay_now=False)
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True) as drains:
        assert relay_pending().published == n
    assert len(drains) == 1  # one drain check for the batch
    return len(queries)


def test_a_relayed_batch_of_product_views_costs_the_same_queries_whatever_its_size(django_capture_on_commit_callbacks):
    relay_pending()  # the relay's lane rows exist from then on
    few = relay_views(5, django_capture_on_commit_callbacks)
    many = relay_views(150, django_capture_on_commit_callbacks)

    assert LakeInbox.objects.count() == 155
    assert many == few  # one INSERT for the batch; the relay's own queries are per lane, not per event
    assert not HandledEvent.objects.exists()


def test_a_redelivered_batch_adds_no_row(django_capture_on_commit_callbacks):
    views = product_views(20)
    bus = InProcessEventBus()

    bus.publish(views)
    bus.publish(views[::2])  # at least once: the relay sends some of them again
    bus.publish(views)

    assert LakeInbox.objects.count() == 20
    assert set(LakeInbox.objects.values_list("event_id", flat=True)) == {v.event_id for v in views}


def test_only_behaviour_events_are_kept_and_only_on_the_embedded_bus(settings):
    not_behaviour = Event(event_id=uuid.uuid4(), type="tests.not_behaviour.v1", key="k",
                          occurred_at=timezone.now(), payload={})
    on_behaviour([*product_views(3), not_behaviour])
    assert LakeInbox.objects.count() == 3

    settings.BAZAAR_BACKENDS = {**settings.BAZAAR_BACKENDS,
                                "event_bus": {**settings.BAZAAR_BACKENDS["event_bus"], "EMBEDDED": False}}
    InProcessEventBus().publish(product_views(2))  # with Kafka, lake_consume writes the lake
    assert LakeInbox.objects.count() == 3
