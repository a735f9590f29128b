"""Product pictures (issue 13): the demo drawings, resized copies of uploads, and the <img> pages show."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from PIL import Image

from catalog import demo_pictures
from catalog.demo_pictures import COLOURS, FOLDER, picture_name, pictures

SVG = "{http://www.w3.org/2000/svg}"


def picture_bytes(size: tuple[int, int], fmt: str = "PNG", *, exif_orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    image.paste((30, 90, 200), (0, 0, size[0] // 2, size[1] // 2))
    out = io.BytesIO()
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def stored(media) -> list[str]:
    folder = media / "items"
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def upload(client, item: int, data: bytes, name: str = "photo.png"):
    return client.post(f"/api/v1/seller/items/{item}/images",
                       {"file": SimpleUploadedFile(name, data, content_type="image/png")}, format="multipart")


# --- the demo drawings -------------------------------------------------------------------------

def test_every_category_and_colour_has_a_small_valid_svg_with_a_size_and_a_title():
    from catalog.demo import SKU_CODES

    assert {code.lower() for code in SKU_CODES.values()} == set(COLOURS)
    expected = {f"{code}-{colour.lower()}.svg" for code, colours in COLOURS.items() for colour in colours}
    assert set(pictures()) == expected and len(expected) <= 80
    for name, text in pictures().items():
        path = FOLDER / name
        assert path.read_text(encoding="utf-8") == text, f"{name} is stale: run python -m catalog.demo_pictures"
        assert path.stat().st_size < 3 * 1024, name
        root = ET.fromstring(text)  # well-formed XML
        assert root.tag == f"{SVG}svg"
        assert root.get("width") == root.get("height") == str(demo_pictures.PICTURE_SIZE)
        assert root.get("viewBox") == "0 0 200 200"
        title = root.find(f"{SVG}title")
        assert title is not None and title.text.endswith(name.split("-", 1)[1].removesuffix(".svg"))


def test_the_generator_is_deterministic_and_leaves_right_files_alone(tmp_path):
    assert pictures() == pictures()
    assert len(demo_pictures.write_pictures(tmp_path)) == len(pictures())
    assert demo_pictures.write_pictures(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(pictures())


def test_a_picture_is_chosen_by_colour_or_else_by_sku():
    assert picture_name("MOB", "Blue", "DEMO-MOB-00001") == "mob-blue.svg"
    # no colour, or one not drawn for the category: the same one for the same SKU on every run
    assert picture_name("BOK", None, "DEMO-BOK-00007") == picture_name("BOK", None, "DEMO-BOK-00007")
    assert picture_name("MOB", "Teal", "X") in pictures()
    assert len({picture_name("TOY", None, f"DEMO-TOY-{n:05d}") for n in range(60)}) == len(COLOURS["toy"])


def test_seeded_items_show_the_drawing_of_their_category_in_their_colour(world):
    from catalog.demo import SKU_CODES, seed_catalog
    from catalog.interface import item_snapshots_iter

    seed_catalog(seller_ids=[world.seller.pk], items=120)
    seen = set()
    for item in item_snapshots_iter():
        if not item.sku.startswith("DEMO-"):
            continue
        (url,) = item.images
        name = url.rsplit("/", 1)[1]
        assert name in pictures() and url == f"/static/catalog/demo/{name}"
        code = SKU_CODES.get(item.category_path, "MSH").lower()  # the T-shirts wear the shirts' drawing
        assert name.startswith(f"{code}-")
        colour = next((v for k, v in item.attributes.items() if k.endswith("colour")), None)
        if colour:
            assert name == f"{code}-{colour.lower()}.svg"
        seen.add(code)
    assert len(seen) >= 8


# --- uploads: resized copies -------------------------------------------------------------------

def test_an_upload_gets_webp_copies_narrower_than_itself_and_records_its_size(seller_api, world, media):
    item = world.add_item("PIC")

    response = upload(seller_api, item, picture_bytes((1200, 800)))

    assert response.status_code == 201, response.json()
    url = response.json()["images"][-1]
    assert re.fullmatch(rf"/media/items/{item}/[0-9a-f]{{32}}_1200x800_w240-480-960\.png", url)
    folder = media / "items" / str(item)
    stem = url.rsplit("/", 1)[1].removesuffix(".png")
    assert stored(media) == sorted([f"{stem}.png", f"{stem}.240w.webp", f"{stem}.480w.webp", f"{stem}.960w.webp"])
    for width in (240, 480, 960):
        with Image.open(folder / f"{stem}.{width}w.webp") as copy:
            assert copy.format == "WEBP" and copy.size == (width, round(800 * width / 1200))

    from catalog.services import picture_sources

    sources = picture_sources(url)
    assert (sources.width, sources.height) == (1200, 800)
    assert sources.copies == tuple((w, url.removesuffix(".png") + f".{w}w.webp") for w in (240, 480, 960))


def test_a_small_picture_gets_only_the_copies_narrower_than_itself(seller_api, world, media):
    item = world.add_item("PIC")

    response = upload(seller_api, item, picture_bytes((500, 300), "JPEG"), "p.jpg")

    assert response.status_code == 201, response.json()
    url = response.json()["images"][-1]
    assert url.endswith("_500x300_w240-480.jpg")
    assert len(stored(media)) == 3

    tiny = upload(seller_api, item, picture_bytes((1, 1)))
    assert tiny.json()["images"][-1].endswith("_1x1.png")
    assert len(stored(media)) == 4


def test_a_turned_photo_records_the_size_it_is_shown_at(seller_api, world, media):
    item = world.add_item("PIC")

    response = upload(seller_api, item, picture_bytes((1000, 600), "JPEG", exif_orientation=6), "p.jpg")

    url = response.json()["images"][-1]
    assert "_600x1000_w240-480." in url
    stem = url.rsplit("/", 1)[1].removesuffix(".jpg")
    with Image.open(media / "items" / str(item) / f"{stem}.480w.webp") as copy:
        assert copy.size == (480, 800)


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # a PNG's first bytes, then nothing Pillow can read
    b"\xff\xd8\xff\xe0" + b"junk" * 40,
    picture_bytes((400, 400))[:200],  # cut short
], ids=["png-head", "jpeg-head", "truncated"])
def test_a_file_pillow_cannot_read_is_a_400_and_leaves_no_file(seller_api, world, media, data):
    item = world.add_item("PIC")

    response = upload(seller_api, item, data)

    assert response.status_code == 400, response.content
    error = response.json()["errors"][0]
    assert error["field"] == "file" and "could not be read" in error["message"]
    assert stored(media) == []


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_decompression_bomb_is_a_400_and_leaves_no_file(seller_api, world, media, monkeypatch):
    item = world.add_item("PIC")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100 * 100)

    for size in ((150, 100), (300, 300)):  # over the limit (a warning in Pillow), over twice (an error)
        response = upload(seller_api, item, picture_bytes(size))
        assert response.status_code == 400, response.content
        assert "pixels" in response.json()["errors"][0]["message"]
    assert stored(media) == []


def test_an_upload_refused_after_storing_takes_its_copies_with_it(seller_api, world, media):
    from catalog.models import Item

    item = world.add_item("PIC")
    Item.objects.filter(pk=item).update(images=["javascript:alert(1)"])

    response = upload(seller_api, item, picture_bytes((1000, 1000)))

    assert response.status_code == 400
    assert stored(media) == []


# --- the <img> pages show ------------------------------------------------------------------------

def card_html(image: str) -> str:
    card = SimpleNamespace(item_id=1, image=image, title="A phone", brand="Acme", rating_count=0, rating=0,
                           price_paise=100, delivery=None)
    return render_to_string("search/_card.html", {"card": card, "url": "/p/1/", "pin": "560001"})


def img_of(html: str, marker: str = "<img") -> str:
    return re.search(rf"{marker}[^>]*>", html).group(0)


def test_a_card_shows_an_uploads_copies_in_srcset_lazily_with_its_size(seller_api, world, media):
    item = world.add_item("PIC")
    url = upload(seller_api, item, picture_bytes((1200, 800))).json()["images"][-1]
    stem = url.removesuffix(".png")

    img = img_of(card_html(url))

    assert f'src="{url}"' in img
    assert f'srcset="{stem}.240w.webp 240w, {stem}.480w.webp 480w, {stem}.960w.webp 960w, {url} 1200w"' in img
    assert 'sizes="' in img and 'width="1200" height="800"' in img
    assert 'loading="lazy"' in img and 'decoding="async"' in img and "fetchpriority" not in img


def test_a_card_with_a_demo_drawing_or_no_picture_still_has_a_size(db):
    img = img_of(card_html("/static/catalog/demo/mob-blue.svg"))
    assert "srcset" not in img and 'width="200" height="200"' in img and 'loading="lazy"' in img

    img = img_of(card_html(""))
    assert "no-image.svg" in img and 'width="200" height="200"' in img


def test_the_product_pages_main_picture_loads_first_with_its_size(seller_api, world, media, client):
    item = world.add_item("PIC", title="Clay lamp")
    url = upload(seller_api, item, picture_bytes((1200, 800))).json()["images"][-1]
    upload(seller_api, item, picture_bytes((600, 600)))

    response = client.get(f"/p/{item}/", follow=True)

    assert response.status_code == 200
    img = img_of(response.content.decode(), '<img src="' + re.escape(url))
    assert 'srcset="' in img and url.removesuffix(".png") + ".960w.webp 960w" in img
    assert 'width="1200" height="800"' in img and 'alt="Clay lamp"' in img and 'class="product-image"' in img
    assert 'fetchpriority="high"' in img and "loading=" not in img and 'decoding="async"' in img


def test_a_picture_named_like_an_upload_elsewhere_gets_no_srcset():
    from catalog.services import picture_sources

    assert picture_sources("https://cdn.example.com/items/1/abc_1200x800_w240.png").copies == ()
    assert picture_sources("/media/items/1/old-upload.png").width is None
