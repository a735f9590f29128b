"""Reads of the catalog: categories with their schemas, items as snapshots."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet

from catalog.documents import documents_backend, documents_read
from catalog.models import AttributeDefinition, Category, Item, ItemStatus
from catalog.types import AttributeInfo, CategoryInfo, ItemSnapshot, VariantInfo

TENTH = Decimal("0.1")

# --- categories ------------------------------------------------------------------------------


def _attribute_info(definition: AttributeDefinition) -> AttributeInfo:
    return AttributeInfo(
        code=definition.code,
        label=definition.label,
        type=definition.type,
        unit=definition.unit,
        choices=tuple(definition.choices or ()),
        required=definition.required,
        facetable=definition.facetable,
        category_id=definition.category_id,
        position=definition.position,
        variant_option=definition.variant_option,
    )


def _effective(
    ids_from_root: Sequence[int], own: Mapping[int, list[AttributeInfo]]
) -> tuple[AttributeInfo, ...]:
    return tuple(attr for cid in ids_from_root for attr in own.get(cid, []))


def category_schema(category: Category) -> list[AttributeInfo]:
    """The category's effective schema: the root's attributes first, its own last. One query."""
    ids = [*category.ancestor_ids, category.pk]
    depth = {cid: n for n, cid in enumerate(ids)}
    definitions = sorted(
        AttributeDefinition.objects.filter(category_id__in=ids),
        key=lambda d: (depth[d.category_id], d.position, d.pk),
    )
    return [_attribute_info(d) for d in definitions]


def category_infos() -> dict[int, CategoryInfo]:
    """Every category with its effective schema (no children), by id. Two queries."""
    categories = list(Category.objects.order_by("path"))
    own: dict[int, list[AttributeInfo]] = {}
    for definition in AttributeDefinition.objects.order_by("position", "pk"):
        own.setdefault(definition.category_id, []).append(_attribute_info(definition))
    return {
        c.pk: CategoryInfo(
            id=c.pk,
            slug=c.slug,
            name=c.name,
            path=c.path,
            parent_id=c.parent_id,
            ancestor_ids=tuple(c.ancestor_ids),
            attributes=_effective([*c.ancestor_ids, c.pk], own),
            keywords=c.search_keywords,
        )
        for c in categories
    }


def category_get(category_id: int) -> CategoryInfo | None:
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        return None
    return CategoryInfo(
        id=category.pk,
        slug=category.slug,
        name=category.name,
        path=category.path,
        parent_id=category.parent_id,
        ancestor_ids=tuple(category.ancestor_ids),
        attributes=tuple(category_schema(category)),
        keywords=category.search_keywords,
    )


def category_names(category_ids: Iterable[int]) -> dict[int, str]:
    """{id: name} for the categories that exist, in one query (reports labelling many at once)."""
    return dict(Category.objects.filter(pk__in=set(category_ids)).values_list("pk", "name"))


def category_tree() -> list[CategoryInfo]:
    """The roots, each with its `children` (recursively), siblings by position then name."""
    infos = category_infos()
    positions = dict(Category.objects.values_list("pk", "position"))
    children: dict[int | None, list[int]] = {}
    for info in infos.values():
        children.setdefault(info.parent_id, []).append(info.id)

    def build(cid: int) -> CategoryInfo:
        info = infos[cid]
        kids = sorted(children.get(cid, []), key=lambda k: (positions[k], infos[k].name))
        return CategoryInfo(**{**info.__dict__, "children": tuple(build(k) for k in kids)})

    roots = sorted(children.get(None, []), key=lambda k: (positions[k], infos[k].name))
    return [build(r) for r in roots]


def category_descendant_ids(category_id: int) -> list[int]:
    """The category and everything below it; [] if there is no such category. One query."""
    path = Category.objects.filter(pk=category_id).values_list("path", flat=True).first()
    if path is None:
        return []
    return list(
        Category.objects.filter(Q(path=path) | Q(path__startswith=path + "/"))
        .order_by("path")
        .values_list("pk", flat=True)
    )


def category_resolve(reference: str | int) -> Category | None:
    """A category named by id, path ("electronics/mobiles") or a slug that only one category has."""
    if isinstance(reference, int) or (isinstance(reference, str) and re.fullmatch(r"[0-9]{1,18}", reference.strip())):
        return Category.objects.filter(pk=int(reference)).first()
    text = str(reference).strip().strip("/").lower()
    if not text:
        return None
    by_path = Category.objects.filter(path=text).first()
    if by_path is not None:
        return by_path
    by_slug = list(Category.objects.filter(slug=text)[:2])
    return by_slug[0] if len(by_slug) == 1 else None


# --- items -----------------------------------------------------------------------------------


def snapshot_of(item: Item, attributes: Mapping[str, Any]) -> ItemSnapshot:
    """The snapshot of a loaded item (its category and variant group loaded too) with the given
    attributes."""
    category = item.category
    group = item.variant_group if item.variant_group_id is not None else None
    return ItemSnapshot(
        item_id=item.pk,
        seller_id=item.seller_id,
        sku=item.sku,
        title=item.title,
        brand=item.brand,
        description=item.description,
        category_id=category.pk,
        category_name=category.name,
        category_path=category.path,
        category_ids=(*category.ancestor_ids, category.pk),
        price_paise=item.price_paise,
        currency=item.currency,
        status=item.status,
        attributes=dict(attributes),
        images=tuple(item.images or ()),
        rating=Decimal(item.rating).quantize(TENTH),
        rating_count=item.rating_count,
        version=item.version,
        created_at=item.created_at,
        updated_at=item.updated_at,
        variant_group_id=item.variant_group_id,
        parent_sku=group.parent_sku if group is not None else "",
    )


def item_snapshots(items: Sequence[Item], *, with_attributes: bool = True) -> list[ItemSnapshot]:
    """Snapshots of loaded items (with select_related("category")): one documents call, none
    without attributes (their `attributes` are then empty)."""
    attributes = documents_read(items) if with_attributes else {}
    return [snapshot_of(item, attributes.get(item.pk, {})) for item in items]


def _items() -> QuerySet[Item]:
    return Item.objects.select_related("category", "variant_group")


def items_get(item_ids: Iterable[int], *, with_attributes: bool = True) -> dict[int, ItemSnapshot]:
    """Snapshots by id, any number: one query and one documents call. Unknown ids are left out.
    `with_attributes=False` (the cart: title, price, picture, status) skips the documents: one query,
    and the snapshots' `attributes` are empty."""
    # Ids beyond a 64-bit key can't exist; some databases fail on them rather than find nothing.
    ids = [i for i in set(item_ids) if 0 < i < 2**63]
    if not ids:
        return {}
    return {s.item_id: s for s in item_snapshots(list(_items().filter(pk__in=ids)), with_attributes=with_attributes)}


def item_get(item_id: int, *, with_attributes: bool = True) -> ItemSnapshot | None:
    return items_get([item_id], with_attributes=with_attributes).get(item_id)


ITEM_HEAD_SECONDS = 60  # bounds a reader that raced a save (it read before, stored after the forget)


def item_head_key(item_id: int) -> str:
    return f"catalog:item-head:v1:{item_id}"


def item_head_get(item_id: int) -> ItemSnapshot | None:
    """`item_get(item_id, with_attributes=False)` through the cache, for the product page, read far
    more often than an item changes. Every save of the item or its listing forgets it
    (catalog/signals.py); it is kept with the category tree's version and read afresh when that
    has moved on (a category renamed or moved: its name and path are in the snapshot)."""
    return item_heads_get([item_id]).get(item_id)


def item_heads_get(item_ids: Iterable[int]) -> dict[int, ItemSnapshot]:
    """`items_get(item_ids, with_attributes=False)` through the cache (see `item_head_get`): one
    round trip for all of them (none for those the request prefetched), one query for those not kept."""
    ids = [i for i in dict.fromkeys(item_ids) if 0 < i < 2**63]
    if not ids:
        return {}
    keys = {item_id: item_head_key(item_id) for item_id in ids}
    found = cache.get_many([CATEGORY_MENU_VERSION_KEY, *keys.values()])
    menu_version = found.get(CATEGORY_MENU_VERSION_KEY)
    heads = {item_id: kept[1] for item_id, key in keys.items()
             if (kept := found.get(key)) is not None and kept[0] == menu_version}
    missing = [item_id for item_id in ids if item_id not in heads]
    if missing:
        read = items_get(missing, with_attributes=False)
        cache.set_many({keys[item_id]: (menu_version, snapshot) for item_id, snapshot in read.items()},
                       ITEM_HEAD_SECONDS)
        heads.update(read)
    return heads


def item_heads_forget(item_ids: Iterable[int]) -> None:
    """Now, and again when the transaction commits (a reader in between may have stored the old one)."""
    keys = [item_head_key(item_id) for item_id in item_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


# --- variants --------------------------------------------------------------------------------


def variant_options_of(key: str | None) -> dict[str, str]:
    """An item's options from its `variant_key` (canonical JSON written by catalog.services)."""
    if not key:
        return {}
    try:
        found = json.loads(key)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def variants_of_group(*, variant_group_id: int) -> list[VariantInfo]:
    """The active variants of a listing with their options, in id order. One query."""
    rows = (Item.objects.filter(variant_group_id=variant_group_id, status=ItemStatus.ACTIVE)
            .order_by("pk").values_list("pk", "sku", "title", "price_paise", "variant_key"))
    return [VariantInfo(item_id=pk, sku=sku, title=title, price_paise=price, options=variant_options_of(key))
            for pk, sku, title, price, key in rows]


def variant_group_members(*, item_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """For each of these items that is a variant: every item of its group (itself included, any
    status), in id order. Items outside a group are left out. One query."""
    ids = [i for i in {int(i) for i in item_ids} if 0 < i < 2**63]
    if not ids:
        return {}
    groups = Item.objects.filter(pk__in=ids, variant_group__isnull=False).values("variant_group_id")
    members: dict[int, list[int]] = {}
    for pk, group_id in (Item.objects.filter(variant_group_id__in=groups).order_by("pk")
                         .values_list("pk", "variant_group_id")):
        members.setdefault(group_id, []).append(pk)
    return {pk: tuple(group) for group in members.values() for pk in group if pk in ids}


ITEM_LABEL_TITLE_CHARS = 60


def item_labels(*, item_ids: Iterable[int]) -> dict[int, str]:
    """{item id: "SKU · title"} for staff screens, in one query (no attributes read, any status);
    unknown ids are left out."""
    ids = [i for i in {int(i) for i in item_ids if i is not None} if 0 < i < 2**63]
    if not ids:
        return {}
    labels = {}
    for pk, sku, title in Item.objects.filter(pk__in=ids).values_list("pk", "sku", "title"):
        if len(title) > ITEM_LABEL_TITLE_CHARS:
            title = title[: ITEM_LABEL_TITLE_CHARS - 1].rstrip() + "…"
        labels[pk] = f"{sku} · {title}"
    return labels


def item_ids_by_sku(*, sku: str, limit: int = 1000) -> list[int]:
    """Ids of the items with this SKU (any case), whichever seller's: SKUs are unique per seller."""
    sku = sku.strip()
    if not sku:
        return []
    return list(Item.objects.filter(sku__iexact=sku).order_by("pk").values_list("pk", flat=True)[:limit])


def item_get_by_sku(*, seller_id: int, sku: str) -> ItemSnapshot | None:
    item = _items().filter(seller_id=seller_id, sku=sku).first()
    return item_snapshots([item])[0] if item else None


def item_list_for_seller(*, seller_id: int, status: str | None = None) -> QuerySet[Item]:
    """A seller's own items, newest first (the cursor pagination's order)."""
    items = _items().filter(seller_id=seller_id)
    return items.filter(status=status) if status else items


def item_row_for_seller(*, seller_id: int, item_id: int) -> Item | None:
    """The seller's item, or None when it does not exist *or is another seller's*."""
    return _items().filter(pk=item_id, seller_id=seller_id).first()


def item_snapshots_iter(batch_size: int = 1000, *, status: str | None = None) -> Iterator[ItemSnapshot]:
    """Every item (or those in `status`) in id order, `batch_size` at a time: for a full rebuild."""
    last = 0
    while True:
        batch = _items().filter(pk__gt=last).order_by("pk")
        if status:
            batch = batch.filter(status=status)
        rows = list(batch[:batch_size])
        if not rows:
            return
        yield from item_snapshots(rows)
        last = rows[-1].pk


def item_ids_find(
    *,
    category_id: int | None = None,
    filters: Mapping[str, Any] | None = None,
    include_descendants: bool = True,
) -> list[int]:
    """Ids of items in the category (and below it) whose attributes match `filters`.

    Filters as in catalog/backends/base.py: a value, a list of values, or a numeric range.
    """
    category_ids: list[int] | None = None
    if category_id is not None:
        category_ids = category_descendant_ids(category_id) if include_descendants else [category_id]
    return documents_backend().find(category_ids, filters)


# --- the category menu: the same for everyone, so cached ---------------------------------------

CATEGORY_MENU_KEY = "catalog:category-menu:v1"
CATEGORY_MENU_VERSION_KEY = "catalog:category-menu:version"
CATEGORY_MENU_SECONDS = 60 * 60  # a safety net: the consumer of category_changed renews the version


def _light(node: CategoryInfo) -> CategoryInfo:
    """A node without its schema (pages that browse need names and paths, not attributes)."""
    return CategoryInfo(id=node.id, slug=node.slug, name=node.name, path=node.path, parent_id=node.parent_id,
                        ancestor_ids=node.ancestor_ids, children=tuple(_light(c) for c in node.children))


def category_menu() -> tuple[CategoryInfo, ...]:
    return category_menu_versioned()[1]


def category_menu_versioned() -> tuple[str, tuple[CategoryInfo, ...]]:
    """The category tree (roots, each with its children, without schemas) from the shared cache.

    Keyed by a version that `category_menu_forget` (the consumer of catalog.category_changed.v1)
    renews, so a reader that raced a change can't put the old tree back under the new version.
    One cache read (the version) once this process holds that version's tree, two when it
    doesn't; three queries to build it. With the version, so a caller may keep what it makes
    from the tree (the header's rendered menu) until the version changes.
    """
    version = str(cache.get_or_set(CATEGORY_MENU_VERSION_KEY, lambda: uuid.uuid4().hex, None))
    held = _menu_held
    if held is not None and held[0] == version:
        return held  # this process already holds that version's tree: no read, no unpickling
    key = f"{CATEGORY_MENU_KEY}:{version}"
    found = cache.get(key)
    if found is None:
        found = tuple(_light(root) for root in category_tree())
        cache.set(key, found, CATEGORY_MENU_SECONDS)
    _remember_menu(version, found)
    return version, found


# The last tree this process read, with its version. The version is still read from the shared
# cache on every call, so a renewed version is seen at once by every process (docs/decisions/0021).
_menu_held: tuple[str, tuple[CategoryInfo, ...]] | None = None


def _remember_menu(version: str, tree: tuple[CategoryInfo, ...]) -> None:
    global _menu_held
    _menu_held = (version, tree)


def category_menu_forget() -> None:
    cache.set(CATEGORY_MENU_VERSION_KEY, uuid.uuid4().hex, None)


def _walk(nodes: Iterable[CategoryInfo]) -> Iterator[CategoryInfo]:
    for node in nodes:
        yield node
        yield from _walk(node.children)


def category_browse(path: str) -> CategoryInfo | None:
    """The category at `path` ("electronics/mobiles") with its children, from the cached menu."""
    path = path.strip("/")
    return next((node for node in _walk(category_menu()) if node.path == path), None)


def category_trail(category_id: int) -> list[CategoryInfo]:
    """The category's ancestors from the root, then the category; [] if unknown. From the cache."""
    by_id = {node.id: node for node in _walk(category_menu())}
    node = by_id.get(category_id)
    if node is None:
        return []
    return [by_id[a] for a in node.ancestor_ids if a in by_id] + [node]
