"""Items with their documents in MongoDB: written after commit, never lost, repaired on read.

Real transactions (django_db(transaction=True)), so on-commit hooks run as in production, and
a real MongoDB-wire server (SecantusDB). An outage is simulated by making the backend's write
raise what pymongo's failures become (DocumentsUnavailable).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.backends.base import DocumentsUnavailable
from catalog.documents import documents_backend
from catalog.interface import item_get, items_get
from catalog.models import PendingItemDocument
from catalog.services import item_create, item_update
from shop.backends import reset_backends
from tests.brokers_mongo import mongo_database, mongo_fixture

from .conftest import TV_ATTRIBUTES

mongo = mongo_fixture()

pytestmark = [pytest.mark.broker, pytest.mark.xdist_group("mongo"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mongo_documents(mongo, settings):
    with mongo_database(mongo, f"items_{uuid.uuid4().hex[:12]}") as name:
        settings.BAZAAR_BACKENDS = {
            **settings.BAZAAR_BACKENDS,
            "item_documents": {
                "BACKEND": "catalog.backends.mongodb.MongoItemDocuments",
                "EMBEDDED": False,
                "OPTIONS": {"url": mongo.url, "database": name},
            },
        }
        reset_backends()
        backend = documents_backend()
        yield backend
        backend.close()
        reset_backends()


def create_tv(tree, seller, sku="TV-1"):
    return item_create(
        seller_id=seller.pk,
        sku=sku,
        title="Bazaar 55 inch TV",
        category_id=tree["tvs"].pk,
        price_paise=3_499_900,
        attributes=dict(TV_ATTRIBUTES),
    )


def test_the_document_reaches_mongodb_after_commit(tree, seller, mongo_documents):
    item = create_tv(tree, seller)

    stored = mongo_documents.get(item.item_id)
    assert (stored.attributes, stored.version) == (TV_ATTRIBUTES, 1)
    assert not PendingItemDocument.objects.exists()
    assert item_get(item.item_id).attributes == TV_ATTRIBUTES


def test_a_price_change_writes_no_document_an_attribute_change_does(tree, seller, mongo_documents):
    item = create_tv(tree, seller)

    item_update(item_id=item.item_id, price_paise=3_299_900)
    assert mongo_documents.get(item.item_id).version == 1
    item_update(item_id=item.item_id, attributes={"screen_size": 50})

    stored = mongo_documents.get(item.item_id)
    assert (stored.attributes["screen_size"], stored.version) == (50, 3)
    assert item_get(item.item_id).attributes["screen_size"] == 50


def test_mongodb_down_at_commit_loses_nothing_and_sync_repairs(tree, seller, mongo_documents, monkeypatch):
    def down(documents):
        raise DocumentsUnavailable("connection refused")

    monkeypatch.setattr(mongo_documents, "put_many", down)
    item = create_tv(tree, seller)  # the item commits; its document waits
    updated = item_update(item_id=item.item_id, attributes={"smart_tv": False})

    pending = PendingItemDocument.objects.get(item_id=item.item_id)
    assert (pending.version, pending.attempts, pending.last_error) == (2, 1, "connection refused")
    assert item_get(item.item_id).attributes == updated.attributes  # readers see the pending document
    monkeypatch.undo()

    out = StringIO()
    call_command("sync_item_documents", "--check", stdout=out)

    assert "1 written" in out.getvalue() and "every item has its current document" in out.getvalue()
    assert mongo_documents.get(item.item_id).attributes == {**TV_ATTRIBUTES, "smart_tv": False}
    assert not PendingItemDocument.objects.exists()


def test_a_read_repairs_a_document_left_pending(tree, seller, mongo_documents, monkeypatch):
    monkeypatch.setattr(
        mongo_documents,
        "put_many",
        lambda documents: (_ for _ in ()).throw(DocumentsUnavailable("timed out")),
    )
    items = [create_tv(tree, seller, sku=f"TV-{n}") for n in range(3)]
    monkeypatch.undo()
    PendingItemDocument.objects.update(written_at=timezone.now() - timedelta(minutes=1))

    found = items_get([i.item_id for i in items])

    assert all(s.attributes == TV_ATTRIBUTES for s in found.values())
    assert not PendingItemDocument.objects.exists()
    assert len(mongo_documents.get_many([i.item_id for i in items])) == 3


def test_check_names_items_whose_document_is_gone(tree, seller, mongo_documents):
    item = create_tv(tree, seller)
    mongo_documents.delete(item.item_id)

    out = StringIO()
    call_command("sync_item_documents", "--check", stdout=out)

    assert f"1 items have no current document: {item.item_id}" in out.getvalue()


def test_moving_from_the_relational_backend_copies_every_document(request, make_tv, seller):
    items = [make_tv(seller) for _ in range(3)]  # with the embedded backend, the default
    mongo_documents = request.getfixturevalue("mongo_documents")

    out = StringIO()
    call_command("sync_item_documents", "--copy-from-relational", "--check", stdout=out)

    assert "copied 3 documents" in out.getvalue() and "every item has its current document" in out.getvalue()
    assert {
        d.attributes["screen_size"] for d in mongo_documents.get_many([i.item_id for i in items]).values()
    } == {55}
