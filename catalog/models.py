"""Tables of the catalog: the category tree with its attribute schemas, items, item documents.

Attribute *values* are not on `Item`: they live in the item-documents port (catalog/backends/).
`ItemDocument` is the table of its embedded backend; `PendingItemDocument` is the outbox that
carries a document to a backend outside the database (MongoDB) after the item row commits
(docs/decisions/0006-item-documents.md).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

CURRENCY_INR = "INR"
ATTRIBUTE_CODE_PATTERN = r"^[a-z][a-z0-9_]{0,49}$"
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"
HSN_PATTERN = r"^(\d{4}|\d{6}|\d{8})$"


class Category(models.Model):
    """A node of the category tree. `path` and `ancestor_ids` are kept by catalog.services.

    `path` is the slugs from the root ("electronics/mobiles"); `ancestor_ids` the ids from the
    root down to the parent. Both make ancestors and descendants one indexed query, no recursion.
    """

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=100)
    path = models.CharField(max_length=255, unique=True, editable=False)
    ancestor_ids = models.JSONField(default=list, editable=False)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order among its siblings.")
    search_keywords = models.CharField(
        max_length=255, blank=True,
        help_text="Other words customers search this category by, e.g. “phone smartphone” for Mobiles.",
    )
    hsn_code = models.CharField(
        "HSN code", max_length=8, blank=True, validators=[RegexValidator(HSN_PATTERN)],
        help_text="The goods' Harmonized System code on GST invoices (4, 6 or 8 digits, e.g. 8517 for "
                  "mobiles). Empty: the nearest parent category's code applies.",
    )

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "slug"], name="category_slug_unique_among_siblings"),
            models.CheckConstraint(condition=~Q(slug=""), name="category_slug_not_empty"),
            models.CheckConstraint(condition=Q(hsn_code="") | Q(hsn_code__regex=HSN_PATTERN),
                                   name="category_hsn_code_digits"),
        ]

    def __str__(self) -> str:
        return self.path or self.slug


class AttributeType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    BOOLEAN = "boolean", "Yes / no"
    CHOICE = "choice", "One of a list"
    MULTI_CHOICE = "multi_choice", "Several of a list"


class AttributeDefinition(models.Model):
    """One attribute of a category's schema; descendants of the category inherit it."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attribute_definitions")
    code = models.CharField(
        max_length=50,
        validators=[RegexValidator(ATTRIBUTE_CODE_PATTERN)],
        help_text="Machine name: lower case letters, digits and _, e.g. screen_size.",
    )
    label = models.CharField(max_length=100)
    type = models.CharField(max_length=20, choices=AttributeType.choices)
    unit = models.CharField(max_length=20, blank=True, help_text="For numbers: inch, GB, mAh, kg ...")
    choices = models.JSONField(default=list, blank=True, help_text="For choice types: the allowed values.")
    required = models.BooleanField(default=False)
    facetable = models.BooleanField(default=False, help_text="Shown as a filter in search; indexed.")
    variant_option = models.BooleanField(
        "defines variants", default=False,
        help_text="For one-of-a-list attributes: the variants of a listing (size, colour, storage) differ by it.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["category_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="attribute_code_unique_per_category"),
            models.CheckConstraint(condition=Q(type__in=AttributeType.values), name="attribute_type_known"),
            models.CheckConstraint(
                condition=Q(unit="") | Q(type=AttributeType.NUMBER), name="attribute_unit_only_for_numbers"
            ),
            models.CheckConstraint(
                condition=Q(variant_option=False) | Q(type=AttributeType.CHOICE),
                name="attribute_variant_option_only_for_choice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_id}:{self.code}"


class ItemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class VariantGroup(models.Model):
    """One listing with options: its items (the variants) share a category and differ by the
    category's `variant_option` attributes. Named by the seller's `parent_sku`; created by
    catalog.services when an item first names it (docs/decisions/0022-variants.md)."""

    seller_id = models.BigIntegerField()
    parent_sku = models.CharField("parent SKU", max_length=64, validators=[RegexValidator(SKU_PATTERN)])
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="variant_groups")
    title = models.CharField(max_length=200, help_text="The first variant's title.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["seller_id", "parent_sku"], name="variant_group_sku_unique_per_seller"),
            models.CheckConstraint(condition=~Q(parent_sku=""), name="variant_group_sku_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.parent_sku} {self.title}"


class Item(models.Model):
    """What a seller offers. `seller_id` is an accounts user id (no foreign key across apps)."""

    seller_id = models.BigIntegerField()
    sku = models.CharField("SKU", max_length=64, validators=[RegexValidator(SKU_PATTERN)])
    title = models.CharField(max_length=200)
    brand = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="items")
    price_paise = models.BigIntegerField(help_text="Price in paise: ₹1 = 100.")
    currency = models.CharField(max_length=3, default=CURRENCY_INR)
    images = models.JSONField(default=list, blank=True, help_text="Image URLs, the first is the main one.")
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.ACTIVE)
    rating = models.DecimalField(
        max_digits=2,
        decimal_places=1,
        default=Decimal("0.0"),
        validators=[MinValueValidator(0), MaxValueValidator(5)],
    )
    rating_count = models.PositiveIntegerField(default=0)
    variant_group = models.ForeignKey(
        VariantGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="variants"
    )
    # The item's options within its group, canonical JSON ({"colour": "Red", "size": "M"}), kept by
    # catalog.services from its document; unique per group, so two variants can't be the same one.
    # Null outside a group and once retired (a retired variant frees its combination).
    variant_key = models.CharField(max_length=255, null=True, blank=True, editable=False)  # noqa: DJ001 (NULLs never clash)
    # Bumped by every change. `document_version` is the version at which the attributes were
    # last written: the item's document must carry at least that version, else it is stale.
    version = models.PositiveBigIntegerField(default=1)
    document_version = models.PositiveBigIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["seller_id", "sku"], name="item_sku_unique_per_seller"),
            models.CheckConstraint(condition=Q(price_paise__gt=0), name="item_price_positive"),
            models.CheckConstraint(condition=Q(currency=CURRENCY_INR), name="item_currency_inr"),
            models.CheckConstraint(condition=Q(status__in=ItemStatus.values), name="item_status_known"),
            models.CheckConstraint(condition=Q(rating__gte=0, rating__lte=5), name="item_rating_0_to_5"),
            models.CheckConstraint(condition=~Q(sku=""), name="item_sku_not_empty"),
            models.CheckConstraint(
                condition=Q(document_version__lte=F("version")), name="item_document_version_not_ahead"
            ),
            models.UniqueConstraint(fields=["variant_group", "variant_key"], name="item_variant_unique_in_group"),
        ]
        indexes = [
            models.Index(fields=["seller_id", "-id"], name="item_by_seller"),
            models.Index(fields=["category", "status"], name="item_by_category_status"),
            models.Index(fields=["brand"], name="item_by_brand"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.title}"


class ItemDocument(models.Model):
    """The embedded item-documents backend's table (catalog.backends.relational).

    No foreign key to Item: the port stores documents by id, like the MongoDB backend does.
    """

    item_id = models.BigIntegerField(primary_key=True)
    category_id = models.BigIntegerField(db_index=True)
    attributes = models.JSONField(default=dict)
    version = models.PositiveBigIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"document of item {self.item_id} v{self.version}"


class PendingItemDocument(models.Model):
    """A document written with its item in one transaction, on its way to a non-SQL backend.

    Deleted once the backend has it; whatever is left (the backend was down) is retried by
    `manage.py sync_item_documents` / the `catalog.sync_item_documents` task, and served to
    readers meanwhile, so a reader never sees attributes older than the item row.
    """

    item_id = models.BigIntegerField(primary_key=True)
    category_id = models.BigIntegerField()
    attributes = models.JSONField(default=dict)
    version = models.PositiveBigIntegerField()
    written_at = models.DateTimeField(auto_now=True, help_text="When the item's transaction wrote it.")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"pending document of item {self.item_id} v{self.version}"
