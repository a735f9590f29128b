"""Sellers upload pictures of their items; only real pictures, only to their own items."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from events.models import OutboxEvent

# A 1×1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_an_uploaded_picture_is_stored_and_added_to_the_item(seller_api, world, media):
    item = world.add_item("PIC")
    response = seller_api.post(f"/api/v1/seller/items/{item}/images",
                               {"file": SimpleUploadedFile("photo.png", PNG, content_type="image/png")},
                               format="multipart")

    assert response.status_code == 201, response.json()
    url = response.json()["images"][-1]
    assert url.startswith("/media/items/") and url.endswith(".png")
    stored = list((media / "items" / str(item)).iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == PNG
    assert OutboxEvent.objects.filter(type="catalog.item_updated.v1", key=str(item)).exists()


def test_a_file_that_is_not_a_picture_is_refused_whatever_its_name(seller_api, world, media):
    item = world.add_item("PIC")
    response = seller_api.post(f"/api/v1/seller/items/{item}/images",
                               {"file": SimpleUploadedFile("evil.png", b"<script>alert(1)</script>",
                                                           content_type="image/png")}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"
    assert not (media / "items").exists()


def test_another_sellers_item_is_not_found(world, user_factory, media):
    item = world.add_item("PIC")
    other = APIClient()
    other.force_authenticate(user_factory(email="other-seller@example.com", is_seller=True))
    response = other.post(f"/api/v1/seller/items/{item}/images",
                          {"file": SimpleUploadedFile("p.png", PNG, content_type="image/png")}, format="multipart")
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_are_both_kept(world_tx, media):
    import threading

    from django.db import connections

    from catalog.interface import item_get
    from catalog.services import item_image_upload

    item = world_tx.add_item("PIC")
    barrier = threading.Barrier(2)

    def upload(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            item_image_upload(item_id=item, seller_id=world_tx.seller.pk,
                              upload=SimpleUploadedFile(f"p{n}.png", PNG, content_type="image/png"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(item_get(item).images) == 2


def _stored_files(media) -> list:
    return sorted(p for p in (media / "items").rglob("*") if p.is_file()) if (media / "items").exists() else []


def test_a_seeded_item_with_its_demo_picture_takes_an_upload(seller_api, world, media):
    """The demo catalog's items show a picture from the shop's own static files."""
    from catalog.demo import seed_catalog
    from catalog.models import Item

    seed_catalog(seller_ids=[world.seller.pk], items=2)
    item = Item.objects.filter(sku__startswith="DEMO-").first()
    (demo_picture,) = item.images
    assert demo_picture.startswith("/static/catalog/demo/")

    response = seller_api.post(f"/api/v1/seller/items/{item.pk}/images",
                               {"file": SimpleUploadedFile("photo.png", PNG, content_type="image/png")},
                               format="multipart")

    assert response.status_code == 201, response.json()
    images = response.json()["images"]
    assert images[0] == demo_picture and images[1].startswith("/media/items/")
    assert len(_stored_files(media)) == 1


def test_a_seeded_item_keeps_its_demo_picture_through_an_edit(seller_api, world):
    from catalog.demo import seed_catalog
    from catalog.models import Item

    seed_catalog(seller_ids=[world.seller.pk], items=1)
    item = Item.objects.filter(sku__startswith="DEMO-").exclude(sku__startswith="DEMO-TEE-").get()
    response = seller_api.patch(f"/api/v1/seller/items/{item.pk}", {"images": item.images}, format="json")
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize("url", ["/static/../settings.py", "/static/catalog/demo/x.js", "/static/admin/x.svg"])
def test_only_the_shops_own_catalog_pictures_pass_as_static_paths(seller_api, world, url):
    item = world.add_item("PIC")
    response = seller_api.patch(f"/api/v1/seller/items/{item}", {"images": [url]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "images"


def test_an_upload_refused_after_storing_leaves_no_file_behind(seller_api, world, media):
    """An item whose stored pictures no longer pass (an older rule, a hand edit) refuses the
    upload with a clear error; the file already stored for it is removed again."""
    from catalog.models import Item

    item = world.add_item("PIC")
    Item.objects.filter(pk=item).update(images=["javascript:alert(1)"])

    response = seller_api.post(f"/api/v1/seller/items/{item}/images",
                               {"file": SimpleUploadedFile("photo.png", PNG, content_type="image/png")},
                               format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "images"
    assert _stored_files(media) == []
    assert Item.objects.get(pk=item).images == ["javascript:alert(1)"]
