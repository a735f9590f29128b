"""Forgetting what the cache keeps of an item (its head, for the product page) when the item or
its listing is saved or deleted: every change of an item goes through a save (services bump its
version), so the signal sees them all, the admin's and the bulk upload's included."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.models import Item, VariantGroup
from catalog.selectors import item_heads_forget


@receiver(post_save, sender=Item, dispatch_uid="catalog.item_head_forget_saved")
@receiver(post_delete, sender=Item, dispatch_uid="catalog.item_head_forget_deleted")
def item_head_forget(sender, instance: Item, **kwargs) -> None:
    item_heads_forget([instance.pk])


@receiver(post_save, sender=VariantGroup, dispatch_uid="catalog.variant_group_heads_forget")
def variant_group_heads_forget(sender, instance: VariantGroup, **kwargs) -> None:
    item_heads_forget(Item.objects.filter(variant_group_id=instance.pk).values_list("pk", flat=True))
