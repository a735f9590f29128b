"""Every write to an item's reviews, votes, replies or pictures renews the item's reviews version,
whoever makes it (services, admin): pages kept by what they show name it in their key
(catalog's product page; shop.pagecache; docs/decisions/0025). Renewed now and again after commit,
so a page built from what was read before the commit is not kept under the new version."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from reviews.models import HelpfulVote, Review, ReviewPicture, SellerReply

VERSION_SECONDS = 24 * 3600  # a lost version is a new one: nothing kept can be taken for it


def reviews_version_key(item_id: int) -> str:
    return f"reviews:item-version:{item_id}"


def reviews_version(item_id: int) -> str:
    """The version of everything the product page shows of the item's reviews."""
    return str(cache.get_or_set(reviews_version_key(item_id), lambda: uuid.uuid4().hex, VERSION_SECONDS))


def _renew(item_id: int) -> None:
    key = reviews_version_key(item_id)
    cache.set(key, uuid.uuid4().hex, VERSION_SECONDS)
    transaction.on_commit(lambda: cache.set(key, uuid.uuid4().hex, VERSION_SECONDS), robust=True)


@receiver(post_save, sender=Review, dispatch_uid="reviews.version.review_saved")
@receiver(post_delete, sender=Review, dispatch_uid="reviews.version.review_deleted")
def review_written(sender, instance: Review, **kwargs) -> None:
    _renew(instance.item_id)


@receiver(post_save, sender=HelpfulVote, dispatch_uid="reviews.version.vote_saved")
@receiver(post_delete, sender=HelpfulVote, dispatch_uid="reviews.version.vote_deleted")
@receiver(post_save, sender=SellerReply, dispatch_uid="reviews.version.reply_saved")
@receiver(post_delete, sender=SellerReply, dispatch_uid="reviews.version.reply_deleted")
@receiver(post_save, sender=ReviewPicture, dispatch_uid="reviews.version.picture_saved")
@receiver(post_delete, sender=ReviewPicture, dispatch_uid="reviews.version.picture_deleted")
def part_written(sender, instance, **kwargs) -> None:
    item_id = Review.objects.filter(pk=instance.review_id).values_list("item_id", flat=True).first()
    if item_id is not None:
        _renew(item_id)
