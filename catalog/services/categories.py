"""Categories and their attribute schemas: create, rename or move a category, define an attribute;
every change emits `catalog.category_changed.v1` for the category and its subtree.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q

from catalog.documents import documents_backend
from catalog.models import HSN_PATTERN, AttributeDefinition, Category
from catalog.selectors import category_infos
from catalog.services.common import (
    CATEGORY_CHANGED,
    UNSET,
    _Unset,
)
from catalog.validation import (
    schema_problems,
)
from events.interface import emit

logger = logging.getLogger(__name__)


class CategoryInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def _category_payload(category_id: int) -> dict[str, Any]:
    info = category_infos()[category_id]
    return {
        "category_id": info.id,
        "slug": info.slug,
        "name": info.name,
        "path": info.path,
        "parent_id": info.parent_id,
        "ancestor_ids": list(info.ancestor_ids),
        "attributes": [a.as_dict() for a in info.attributes],
    }


def _emit_category_changed(category_ids: Sequence[int]) -> None:
    for category_id in category_ids:
        emit(CATEGORY_CHANGED, key=f"category-{category_id}", payload=_category_payload(category_id))


def _codes_clash(*, category: Category, codes: set[str], exclude_ids: Sequence[int] = ()) -> set[str]:
    """Codes among `codes` already defined on the category's ancestors, itself or its descendants."""
    related = Q(category_id__in=[*category.ancestor_ids, category.pk]) | Q(
        category__path__startswith=category.path + "/"
    )
    return set(
        AttributeDefinition.objects.filter(related, code__in=codes)
        .exclude(pk__in=exclude_ids)
        .values_list("code", flat=True)
    )


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _slug_problems(slug: str) -> dict[str, list[str]]:
    if not _SLUG.match(slug or "") or len(slug) > 60:
        return {"slug": ["Use lower-case letters and digits joined by single hyphens, e.g. mens-shirts."]}
    return {}


def _hsn_problems(hsn_code: str) -> dict[str, list[str]]:
    if hsn_code.strip() and not re.match(HSN_PATTERN, hsn_code.strip()):
        return {"hsn_code": ["An HSN code is 4, 6 or 8 digits, e.g. 8517."]}
    return {}


def _place(category: Category, parent: Category | None) -> None:
    category.parent = parent
    category.path = f"{parent.path}/{category.slug}" if parent else category.slug
    category.ancestor_ids = [*parent.ancestor_ids, parent.pk] if parent else []


@transaction.atomic
def category_create(*, name: str, slug: str, parent_id: int | None = None, position: int = 0,
                    search_keywords: str = "", hsn_code: str = "") -> Category:
    parent = Category.objects.filter(pk=parent_id).first() if parent_id is not None else None
    errors = {**_slug_problems(slug), **_hsn_problems(hsn_code)}
    if parent_id is not None and parent is None:
        errors["parent_id"] = [f"No category with id {parent_id}."]
    if not name.strip():
        errors["name"] = ["A category needs a name."]
    category = Category(name=name.strip(), slug=slug, position=position, hsn_code=hsn_code.strip(),
                        search_keywords=" ".join(search_keywords.split()))
    if not errors:
        _place(category, parent)
        if Category.objects.filter(path=category.path).exists():
            errors["slug"] = [f'"{category.path}" exists already.']
    if errors:
        raise CategoryInvalid(errors)
    category.save()
    _emit_category_changed([category.pk])
    return category


@transaction.atomic
def category_update(
    *,
    category_id: int,
    name: str | _Unset = UNSET,
    slug: str | _Unset = UNSET,
    parent_id: int | _Unset | None = UNSET,
    position: int | _Unset = UNSET,
    search_keywords: str | _Unset = UNSET,
    hsn_code: str | _Unset = UNSET,
) -> Category:
    """Rename or move a category, or change its HSN code; the paths and ancestor lists of its
    subtree follow."""
    category = Category.objects.select_for_update().get(pk=category_id)
    old_path, old_parent_id = category.path, category.parent_id
    if not isinstance(hsn_code, _Unset):
        if problems := _hsn_problems(hsn_code):
            raise CategoryInvalid(problems)
        category.hsn_code = hsn_code.strip()
    if not isinstance(search_keywords, _Unset):
        category.search_keywords = " ".join(search_keywords.split())
    if not isinstance(name, _Unset):
        category.name = name.strip()
    if not isinstance(position, _Unset):
        category.position = position
    if not isinstance(slug, _Unset):
        if problems := _slug_problems(slug):
            raise CategoryInvalid(problems)
        category.slug = slug
    parent = category.parent
    if not isinstance(parent_id, _Unset):
        parent = Category.objects.filter(pk=parent_id).first() if parent_id is not None else None
        if parent_id is not None and parent is None:
            raise CategoryInvalid({"parent_id": [f"No category with id {parent_id}."]})
        if parent is not None and (parent.pk == category.pk or category.pk in parent.ancestor_ids):
            raise CategoryInvalid(
                {"parent_id": ["A category cannot move under itself or its subcategories."]}
            )
    _place(category, parent)
    subtree: list[Category] = []
    if category.path != old_path:
        if Category.objects.filter(path=category.path).exclude(pk=category.pk).exists():
            raise CategoryInvalid({"slug": [f'"{category.path}" exists already.']})
        subtree = list(
            Category.objects.select_for_update().filter(path__startswith=old_path + "/").order_by("path")
        )
    if parent is not None and parent.pk != old_parent_id:
        inherited = set(
            AttributeDefinition.objects.filter(category_id__in=[*parent.ancestor_ids, parent.pk]).values_list(
                "code", flat=True
            )
        )
        below = set(
            AttributeDefinition.objects.filter(
                category_id__in=[category.pk, *(c.pk for c in subtree)]
            ).values_list("code", flat=True)
        )
        if inherited & below:
            raise CategoryInvalid(
                {"parent_id": [f"The new parent already defines {', '.join(sorted(inherited & below))}."]}
            )
    category.save()
    by_id = {category.pk: category}
    for child in subtree:  # parents come before their children in path order
        assert child.parent_id is not None  # every category below `category` has a parent
        _place(child, by_id[child.parent_id])
        by_id[child.pk] = child
    Category.objects.bulk_update(subtree, ["path", "ancestor_ids"])
    _emit_category_changed([category.pk, *(c.pk for c in subtree)])
    return category


@transaction.atomic
def attribute_define(
    *,
    category_id: int,
    code: str,
    label: str,
    type: str,
    unit: str = "",
    choices: Sequence[str] = (),
    required: bool = False,
    facetable: bool = False,
    position: int = 0,
    variant_option: bool = False,
) -> AttributeDefinition:
    """Add an attribute to a category's schema (inherited by its subcategories)."""
    category = Category.objects.select_for_update().get(pk=category_id)
    errors = schema_problems(type=type, unit=unit, choices=list(choices), variant_option=variant_option)
    if _codes_clash(category=category, codes={code}):
        errors["code"] = [f'"{code}" is already an attribute of this category, a parent or a subcategory.']
    if errors:
        raise CategoryInvalid(errors)
    definition = AttributeDefinition(
        category=category,
        code=code,
        label=label,
        type=type,
        unit=unit,
        choices=[c.strip() for c in choices],
        required=required,
        facetable=facetable,
        position=position,
        variant_option=variant_option,
    )
    definition.full_clean(exclude=["category"])
    definition.save()
    category_schema_changed(category_id=category_id)
    return definition


def category_schema_changed(*, category_id: int) -> None:
    """After a schema edit (service or admin): tell listeners, and index the facetable codes."""
    category = Category.objects.get(pk=category_id)
    subtree = list(
        Category.objects.filter(Q(pk=category.pk) | Q(path__startswith=category.path + "/")).values_list(
            "pk", flat=True
        )
    )
    _emit_category_changed(subtree)
    transaction.on_commit(facet_indexes_ensure)


def facet_indexes_ensure() -> None:
    """Let the documents backend index every facetable attribute (idempotent; network I/O)."""
    codes = set(AttributeDefinition.objects.filter(facetable=True).values_list("code", flat=True))
    try:
        documents_backend().ensure_indexes(codes)
    except Exception:
        logger.warning("Could not create the facet indexes; `sync_item_documents` retries", exc_info=True)
