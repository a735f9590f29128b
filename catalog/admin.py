"""Staff admin: categories with their attribute schemas, items with their attributes.

Saves go through catalog.services, so admin edits write the item's document and emit the same
events as the seller API; attribute values are checked by the one validator.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from accounts.interface import user_names
from catalog.documents import documents_read
from catalog.models import AttributeDefinition, AttributeType, Category, Item, ItemStatus, VariantGroup
from catalog.selectors import category_schema, variant_options_of
from catalog.services import (
    ItemConflict,
    ItemNotFound,
    category_create,
    category_schema_changed,
    category_update,
    item_create,
    item_retire,
    item_update,
)
from catalog.validation import (
    MULTI_SEPARATOR,
    WHOLE,
    AttributesInvalid,
    attributes_validate,
    item_fields_problems,
    schema_problems,
)
from catalog.variants import variant_plan
from shop.admin import CrossAppLabels, LabelColumn, Lookup, MoneyColumn

SELLER = Lookup(lambda ids: user_names(user_ids=ids), url_name="admin:accounts_user_change",
                missing="user {id} (deleted)")

# --- categories ------------------------------------------------------------------------------


class ChoicesField(forms.CharField):
    """A list of choices typed as "S | M | L"."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return f" {MULTI_SEPARATOR} ".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""  # CharField gives its empty_value, "", for nothing
        return [part.strip() for part in text.split(MULTI_SEPARATOR) if part.strip()]


class AttributeDefinitionForm(forms.ModelForm):
    choices = ChoicesField(
        required=False,
        help_text=f'For choice types: values separated by "{MULTI_SEPARATOR}".',
        widget=forms.TextInput(attrs={"size": 40}),
    )

    class Meta:
        model = AttributeDefinition
        fields = ("code", "label", "type", "unit", "choices", "required", "facetable", "variant_option", "position")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name, problems in schema_problems(
            type=data.get("type", ""), unit=data.get("unit", ""), choices=data.get("choices", []),
            variant_option=bool(data.get("variant_option")),
        ).items():
            self.add_error(name if name in self.fields else None, problems)
        return data


class AttributeDefinitionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        codes = [
            f.cleaned_data["code"]
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("code")
        ]
        duplicates = {c for c in codes if codes.count(c) > 1}
        if duplicates:
            raise forms.ValidationError(f"Each code once: {', '.join(sorted(duplicates))}.")
        category = self.instance
        if category.pk and codes:
            related = Q(category_id__in=category.ancestor_ids) | Q(
                category__path__startswith=category.path + "/"
            )
            clash = set(
                AttributeDefinition.objects.filter(related, code__in=codes).values_list("code", flat=True)
            )
            if clash:
                raise forms.ValidationError(
                    f"Already defined on a parent or subcategory: {', '.join(sorted(clash))}."
                )


class AttributeDefinitionInline(admin.TabularInline):
    model = AttributeDefinition
    form = AttributeDefinitionForm
    formset = AttributeDefinitionFormSet
    extra = 1


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ("name", "slug", "parent", "position", "search_keywords", "hsn_code")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        parent, slug = data.get("parent"), data.get("slug")
        if (
            self.instance.pk
            and parent
            and (parent.pk == self.instance.pk or self.instance.pk in parent.ancestor_ids)
        ):
            self.add_error("parent", "A category cannot move under itself or its subcategories.")
        if slug:
            path = f"{parent.path}/{slug}" if parent else slug
            if Category.objects.filter(path=path).exclude(pk=self.instance.pk).exists():
                self.add_error("slug", f'"{path}" exists already.')
        return data


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
    inlines = [AttributeDefinitionInline]
    list_display = ("path", "name", "hsn_code", "attribute_count", "item_count")
    search_fields = ("name", "path")
    readonly_fields = ("path",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_attributes=Count("attribute_definitions", distinct=True),
                n_items=Count("items", distinct=True),
            )
        )

    @admin.display(description="Own attributes", ordering="n_attributes")
    def attribute_count(self, obj) -> int:
        return obj.n_attributes

    @admin.display(description="Items", ordering="n_items")
    def item_count(self, obj) -> int:
        return obj.n_items

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.items.exists()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        parent_id = data["parent"].pk if data.get("parent") else None
        if change:
            saved = category_update(
                category_id=obj.pk,
                name=data["name"],
                slug=data["slug"],
                parent_id=parent_id,
                position=data["position"],
                search_keywords=data["search_keywords"],
                hsn_code=data["hsn_code"],
            )
        else:
            saved = category_create(
                name=data["name"], slug=data["slug"], parent_id=parent_id, position=data["position"],
                search_keywords=data["search_keywords"], hsn_code=data["hsn_code"],
            )
        obj.pk, obj.path, obj.ancestor_ids = saved.pk, saved.path, saved.ancestor_ids

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        category_schema_changed(category_id=form.instance.pk)


# --- items -----------------------------------------------------------------------------------


def _schema_help(category: Category | None) -> str:
    if category is None:
        return "Choose the category first: its attributes are listed here once the item is saved."
    rows = []
    for spec in category_schema(category):
        kind = spec.type + (f" in {spec.unit}" if spec.unit else "")
        if spec.type in (AttributeType.CHOICE, AttributeType.MULTI_CHOICE):
            kind += ": " + ", ".join(spec.choices)
        rows.append((spec.code, spec.label, kind, " (required)" if spec.required else ""))
    if not rows:
        return f"{category.name} has no attributes."
    listed = format_html_join("", "<li><code>{}</code> {}: {}{}</li>", rows)
    return format_html(
        'A JSON object, e.g. {{"code": value}}. Attributes of {}:<ul>{}</ul>', category.name, listed
    )


class ItemAdminForm(forms.ModelForm):
    attributes = forms.JSONField(
        required=False, initial=dict, widget=forms.Textarea(attrs={"rows": 8, "cols": 80})
    )
    images = forms.JSONField(
        required=False,
        initial=list,
        help_text="A JSON list of image URLs, the main one first.",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )

    class Meta:
        model = Item
        fields = (
            "seller_id",
            "sku",
            "title",
            "brand",
            "description",
            "category",
            "price_paise",
            "currency",
            "images",
            "status",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        item = self.instance
        if item.pk:
            self.fields["seller_id"].disabled = True
            self.initial["attributes"] = documents_read([item])[item.pk]
        self.fields["attributes"].help_text = _schema_help(item.category if item.pk else None)
        statuses = [ItemStatus.DRAFT, ItemStatus.ACTIVE]
        if item.pk and item.status == ItemStatus.RETIRED:
            statuses.append(ItemStatus.RETIRED)
        # self.fields holds plain Fields to mypy; the model field's choices make this a ChoiceField.
        cast(forms.ChoiceField, self.fields["status"]).choices = [(s.value, s.label) for s in statuses]
        self.fields[
            "status"
        ].help_text = "Retire items with the list's action. A retired item can be relisted."

    def clean_images(self):
        return self.cleaned_data.get("images") or []

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        own: dict[str, Any] = {name: data[name] for name in ("images", "status") if name in data}
        for name, problems in item_fields_problems(own).items():
            if name == "status" and data.get("status") == ItemStatus.RETIRED:
                continue
            self.add_error(name, problems)
        category = data.get("category")
        if category is not None:
            try:
                data["attributes"] = attributes_validate(
                    category_schema(category), data.get("attributes") or {}, category_name=category.name
                )
            except AttributesInvalid as exc:
                self.add_error(
                    "attributes",
                    [
                        f"{code}: {message}" if code != WHOLE else message
                        for code, found in exc.errors.items()
                        for message in found
                    ],
                )
            else:
                self._variant_check(category, data)
        return data

    def _variant_check(self, category: Category, data: dict) -> None:
        """A variant keeps its listing's rules when staff edit it here: its options all set and
        not another variant's, its category the others'. catalog.services checks them again under
        the listing's lock; this says it on the form instead of failing the save."""
        group = self.instance.variant_group if self.instance.pk and self.instance.variant_group_id else None
        if group is None or data.get("status") == ItemStatus.RETIRED:
            return
        errors: dict[str, list[str]] = {}
        plan = variant_plan(parent_sku=group.parent_sku, schema=category_schema(category),
                            attributes=data.get("attributes"), category_name=category.name, errors=errors)
        others = Item.objects.filter(variant_group=group).exclude(pk=self.instance.pk).exclude(
            status=ItemStatus.RETIRED)
        if group.category_id != category.pk and others.exists():
            errors["category"] = [f"The other variants of {group.parent_sku} are in {group.category.name}; "
                                  "the variants of a listing share one category."]
        if plan is not None:
            taken = others.filter(variant_key=plan.key).values_list("sku", flat=True).first()
            if taken is not None:
                errors["attributes"] = [f"{plan.describe()} is already variant {taken} of {group.parent_sku}."]
        for name, problems in errors.items():
            field = name if name in self.fields else "attributes" if name.startswith("attributes") else None
            self.add_error(field, problems)


@admin.register(Item)
class ItemAdmin(CrossAppLabels, admin.ModelAdmin):
    form = ItemAdminForm
    list_display = (
        "sku",
        "title",
        "brand",
        "category",
        "price",
        "status",
        "seller",
        "rating",
        "updated_at",
    )
    list_filter = ("status", ("category", admin.RelatedOnlyFieldListFilter), "brand")
    search_fields = ("sku", "title")
    list_select_related = ("category",)
    readonly_fields = ("thumbnail", "variant_group_link", "rating", "rating_count", "version", "created_at",
                       "updated_at")
    actions = ["retire_items"]
    show_full_result_count = False

    price = MoneyColumn("price_paise", description="Price")
    seller = LabelColumn("seller_id", SELLER, description="Seller")

    def get_readonly_fields(self, request, obj=None):
        # On an item's page, its seller by name and its price in rupees, beside the fields.
        return ("seller", "price", *self.readonly_fields) if obj else self.readonly_fields

    @admin.display(description="Variant of")
    def variant_group_link(self, obj) -> str:
        if obj.variant_group_id is None:
            return "-"
        return format_html('<a href="{}">{}</a>', reverse("admin:catalog_variantgroup_change",
                                                          args=[obj.variant_group_id]), obj.variant_group)

    @admin.display(description="Image")
    def thumbnail(self, obj) -> str:
        if not obj.images:
            return "-"
        return format_html('<img src="{}" alt="" width="160">', obj.images[0])

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # items are retired, not deleted: orders keep pointing at them

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {
            "sku": data["sku"],
            "title": data["title"],
            "brand": data["brand"],
            "description": data["description"],
            "price_paise": data["price_paise"],
            "currency": data["currency"],
            "images": data["images"],
            "attributes": data["attributes"],
            "category_id": data["category"].pk,
        }
        if data["status"] != ItemStatus.RETIRED:
            fields["status"] = data["status"]
        if change:
            snapshot = item_update(item_id=obj.pk, replace_attributes=True, **fields)
        else:
            snapshot = item_create(seller_id=data["seller_id"], **fields)
        obj.pk = snapshot.item_id

    @admin.action(description="Retire the selected items")
    def retire_items(self, request, queryset):
        retired, skipped = 0, 0
        for item_id in queryset.exclude(status=ItemStatus.RETIRED).values_list("pk", flat=True):
            try:
                item_retire(item_id=item_id)
                retired += 1
            except (ItemNotFound, ItemConflict):
                skipped += 1
        text = f"Retired {retired} item{'' if retired == 1 else 's'}."
        if skipped:
            text += f" {skipped} changed while you chose them and were left as they are; try again."
        self.message_user(request, text, messages.SUCCESS if retired and not skipped else messages.WARNING)


# --- variant groups: made by the services when an item names its parent SKU -------------------


class VariantInline(admin.TabularInline):
    """The listing's variants, read-only: each is edited as an item (its options are attributes)."""

    model = Item
    fk_name = "variant_group"
    fields = ("sku", "title", "price", "status", "options")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("pk",)

    price = MoneyColumn("price_paise", description="Price")

    @admin.display(description="Options")
    def options(self, obj) -> str:
        return ", ".join(f"{code}: {value}" for code, value in variant_options_of(obj.variant_key).items()) or "-"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(VariantGroup)
class VariantGroupAdmin(CrossAppLabels, admin.ModelAdmin):
    list_display = ("parent_sku", "title", "category", "seller", "variant_count", "created_at")
    search_fields = ("parent_sku", "title")
    list_select_related = ("category",)
    readonly_fields = ("seller", "parent_sku", "category", "created_at")
    fields = ("parent_sku", "title", "category", "seller", "created_at")
    inlines = [VariantInline]
    show_full_result_count = False

    seller = LabelColumn("seller_id", SELLER, description="Seller")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(variants_n=Count("variants"))

    @admin.display(description="Variants", ordering="variants_n")
    def variant_count(self, obj) -> int:
        return obj.variants_n

    def has_add_permission(self, request) -> bool:
        return False  # a listing is made by its first variant (seller API, bulk upload)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
