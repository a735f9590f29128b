"""Product pictures: check an upload, store it with resized WebP copies, add it to the item."""

from __future__ import annotations

import io
import logging
import re
import struct
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from catalog.models import Item
from catalog.services.common import (
    _load,
)
from catalog.services.items import item_update
from catalog.types import ItemSnapshot
from catalog.validation import (
    IMAGES_MAX,
    ItemInvalid,
)

logger = logging.getLogger(__name__)


# What a seller may upload as a product picture: recognised by its first bytes, not its name.
IMAGE_SIGNATURES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"GIF87a": "gif", b"GIF89a": "gif"}
IMAGE_MAX_BYTES = 5 * 1024 * 1024
# What Pillow must find the file to be, by the extension its first bytes gave.
_PILLOW_FORMATS = {"jpg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}
# The widths of the resized copies (WebP) written next to an upload for `srcset`: those
# narrower than the picture itself.
PICTURE_WIDTHS = (240, 480, 960)
# An upload's name records what pages need, without a query: the picture's own size and the
# widths of its copies, `items/<item>/<hex>_<width>x<height>[_w240-480].<ext>`; a copy is
# `<that name without .ext>.<width>w.webp`.
_PICTURE_NAME = re.compile(r"_(?P<w>[0-9]{1,5})x(?P<h>[0-9]{1,5})(?:_w(?P<widths>[0-9]{1,5}(?:-[0-9]{1,5})*))?"
                           r"\.(?:jpg|png|gif|webp)$")


@dataclass(frozen=True)
class PictureSources:
    """What an <img> needs for a picture: its URL, its size when known, its resized copies."""

    url: str
    width: int | None = None
    height: int | None = None
    copies: tuple[tuple[int, str], ...] = ()  # (width, URL), narrowest first


def picture_sources(url: str) -> PictureSources:
    """An uploaded picture's size and resized copies, read from its URL (see _PICTURE_NAME); any
    other picture (a demo drawing, a web URL, an upload from before the copies) has none."""
    if not url.startswith(default_storage.url("items/")) or not (found := _PICTURE_NAME.search(url)):
        return PictureSources(url)
    stem = url.rsplit(".", 1)[0]
    widths = sorted(int(w) for w in found["widths"].split("-")) if found["widths"] else []
    return PictureSources(url, int(found["w"]), int(found["h"]), tuple((w, f"{stem}.{w}w.webp") for w in widths))


def _image_extension(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return next((ext for magic, ext in IMAGE_SIGNATURES.items() if head.startswith(magic)), None)


def _too_many_pixels(limit: int) -> ItemInvalid:
    return ItemInvalid({"file": [f"A picture may have at most {limit // 1_000_000} million pixels."]})


def _picture_copies(upload: UploadedFile, extension: str) -> tuple[int, int, dict[int, bytes]]:
    """Read the picture with Pillow: its size as shown (EXIF rotation applied) and a WebP copy
    for each of PICTURE_WIDTHS narrower than it. Raises ItemInvalid for a file Pillow cannot
    read, of another format than its first bytes say, or of more than Image.MAX_IMAGE_PIXELS
    pixels (a decompression bomb: a small file that would fill the memory)."""
    from PIL import Image, ImageOps

    # Read now (tests lower it); Pillow allows None, no limit, which then holds here too.
    pixel_limit = Image.MAX_IMAGE_PIXELS
    unreadable = ItemInvalid({"file": ["The picture could not be read; upload a JPEG, PNG, GIF or WebP picture."]})
    try:
        # Image.open refuses more than twice MAX_IMAGE_PIXELS (DecompressionBombError) and only warns
        # between once and twice; the check below refuses those too.
        with Image.open(upload) as image:
            if image.format != _PILLOW_FORMATS[extension]:
                raise unreadable
            if pixel_limit is not None and image.width * image.height > pixel_limit:
                raise _too_many_pixels(pixel_limit)
            turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)  # EXIF orientation: a quarter turn
            width, height = (image.height, image.width) if turned else image.size
            animated = getattr(image, "is_animated", False)
            largest = max(PICTURE_WIDTHS)
            if image.format == "JPEG":
                image.draft("RGB", (largest, largest))  # decode at a smaller scale, both sides >= largest
            upright = ImageOps.exif_transpose(image)  # loads the pixels: a broken file fails here
            keep_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            upright = upright.convert("RGBA" if keep_alpha else "RGB")
            copies: dict[int, bytes] = {}
            for target in PICTURE_WIDTHS:
                if target >= width or animated:  # an animation keeps its frames: no still copies
                    continue
                size = (target, max(1, round(height * target / width)))
                out = io.BytesIO()
                upright.resize(size, Image.Resampling.LANCZOS).save(out, "WEBP", quality=80, method=4)
                copies[target] = out.getvalue()
    except ItemInvalid:
        raise
    except Image.DecompressionBombError:  # raised only when there is a limit
        raise _too_many_pixels(pixel_limit or 0) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):
        raise unreadable from None
    finally:
        upload.seek(0)
    return width, height, copies


def item_image_upload(*, item_id: int, seller_id: int, upload: UploadedFile) -> ItemSnapshot:
    """Store an uploaded picture and add it to the seller's item (last in its images), with
    resized WebP copies next to it (PICTURE_WIDTHS; picture_sources finds them).

    Raises ItemNotFound for another seller's item, ItemInvalid for a file that is not a JPEG,
    PNG, GIF or WebP picture Pillow can read, is too large (bytes or pixels), or would pass the
    item's limit of images.
    """
    item = _load(item_id, seller_id)
    if len(item.images) >= IMAGES_MAX:
        raise ItemInvalid({"file": [f"An item has at most {IMAGES_MAX} images; remove one first."]})
    # Django gives every upload a view receives its size; one without is refused, not taken unmeasured.
    if upload.size is None or upload.size > IMAGE_MAX_BYTES:
        raise ItemInvalid({"file": [f"A picture may be at most {IMAGE_MAX_BYTES // (1024 * 1024)} MB."]})
    head = upload.read(16)
    upload.seek(0)
    extension = _image_extension(head)
    if extension is None:
        raise ItemInvalid({"file": ["Upload a JPEG, PNG, GIF or WebP picture."]})
    width, height, copies = _picture_copies(upload, extension)  # nothing is stored before this passes
    widths = f"_w{'-'.join(map(str, copies))}" if copies else ""
    wanted = f"items/{item_id}/{uuid.uuid4().hex}_{width}x{height}{widths}.{extension}"
    stem = wanted.rsplit(".", 1)[0]
    # Stored before the item changes, so the item never links to a missing file; if the item
    # then refuses it (full, or pictures that no longer pass), the files go again.
    names: list[str] = []
    url = ""
    try:
        names.append(default_storage.save(wanted, upload))
        url = default_storage.url(names[0])
        for target, data in copies.items():
            names.append(default_storage.save(f"{stem}.{target}w.webp", ContentFile(data)))
        if names != [wanted, *(f"{stem}.{target}w.webp" for target in copies)]:
            raise RuntimeError(f"The storage renamed the upload {wanted}; its copies would not be found.")
        with transaction.atomic():
            # Read the images under the row lock: two uploads at once must both be kept.
            current = Item.objects.select_for_update().get(pk=item_id).images
            if len(current) >= IMAGES_MAX:
                raise ItemInvalid({"file": [f"An item has at most {IMAGES_MAX} images; remove one first."]})
            return item_update(item_id=item_id, seller_id=seller_id, images=[*current, url])
    except BaseException:
        _forget_unlinked_upload(item_id=item_id, names=names, url=url)
        raise


def _forget_unlinked_upload(*, item_id: int, names: list[str], url: str) -> None:
    """Delete a stored upload and its copies when the item does not show it; one it shows (the
    change committed before the failure) stays. A failure to delete is logged, never hides the
    first error."""
    try:
        if url and url in (Item.objects.filter(pk=item_id).values_list("images", flat=True).first() or []):
            return
    except Exception:
        logger.exception("Could not tell whether the upload %s is used; its files stay", url)
        return
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("Could not remove the unused upload %s", name)
