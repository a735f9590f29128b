"""Admin bases for records the shop keeps as history: staff read them, services write them.

`HistoryAdmin`: no adding by hand, no deleting (so no delete action either); changing stays with
each admin. `ReadOnlyAdmin` and `ReadOnlyInline`: nothing but reading.

And how admin shows what the tables keep as numbers:

- `inr(paise)` and `MoneyColumn`: money in rupees ("₹5,158.00"), sorted by the paise column.
- `LabelColumn`, `Lookup` and `CrossAppLabels`: another app's id (a customer, a warehouse, an
  item) shown as what it is ("buyer@example.com", "DEL1 (Delhi North)"), resolved for a whole
  changelist page, or an inline's rows, with one call per kind of id, never one per row.
- `CrossAppLabels.search_also` and `search_by`: the search box finds rows by what the labels
  show (a customer's email, an order's reference), not only by the ids the table keeps.
- `choice_filter`: a sidebar filter whose choices have names (warehouses by code, not id).

This module imports no app: each app's admin.py builds its `Lookup`s from other apps'
interface.py (the events app, which may import no business app, imports this module too).
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.views.main import ChangeList
from django.db.models import Model, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from shop.money import format_inr


class HistoryAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyAdmin(HistoryAdmin):
    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


# --- Money ---------------------------------------------------------------------------------------

EMPTY = "-"  # what admin shows for nothing (its own default)


def inr(paise: int | None) -> str:
    """Paise as staff read an amount: "₹5,158.00", always with the paise, so a column of amounts
    lines up and matches the gateway's and the bank's statements; "-" for none. Only the admin's
    choice of `shop.money.format_inr`'s options."""
    return format_inr(paise, always_paise=True, empty=EMPTY)


class MoneyColumn:
    """A list column or read-only field showing a paise field in rupees, sorted by the field.

        total = MoneyColumn("total_paise", description="total")
    """

    def __init__(self, field: str, *, description: str):
        self.field = field
        self.short_description = description
        self.admin_order_field = field

    def __call__(self, obj: Model) -> str:
        return inr(getattr(obj, self.field))


# --- Other apps' ids, shown as what they are -----------------------------------------------------

@dataclass(frozen=True, eq=False)
class Lookup:
    """How one kind of another app's id reads in admin.

    `resolve(ids)` returns {id: label} for the ids that exist, with one query whatever their
    number: a selector the owning app exports through its interface.py. `url_name`, when given,
    links each label to that admin page (reversed with the id). `missing` is shown for an id that
    no longer exists."""

    resolve: Callable[[set], Mapping[Any, str]]
    url_name: str = ""
    missing: str = "{id} (not found)"


_LABELS = "_admin_labels"  # on each model instance: {LabelColumn: label, or None when not found}
_NOT_RESOLVED = object()


def labels_resolve(objs: Iterable[Model], columns: Iterable[LabelColumn]) -> None:
    """Resolve the columns' ids for all `objs` at once: one `resolve` call per Lookup, however
    many rows and columns share it. The labels are kept on the instances themselves, which
    belong to the request that loaded them, so nothing is shared between requests or threads
    (the ModelAdmin is one object for the whole process)."""
    objs = list(objs)  # evaluates a queryset once; whoever iterates it next reads its cache
    by_lookup: dict[Lookup, list[LabelColumn]] = defaultdict(list)
    for column in columns:
        by_lookup[column.lookup].append(column)
    for lookup, cols in by_lookup.items():
        ids = {value for obj in objs for col in cols if (value := getattr(obj, col.field)) is not None}
        found = lookup.resolve(ids) if ids else {}
        for obj in objs:
            labels = obj.__dict__.setdefault(_LABELS, {})
            for col in cols:
                labels[col] = found.get(getattr(obj, col.field))


class LabelColumn:
    """A list column or read-only field showing `field`, another app's id, as its label (linked
    to the thing's admin page when the Lookup names one and `link` is true). Reads the label
    `CrossAppLabels` resolved for the page; an object shown alone (a change page) resolves its
    own, one query.

        customer = LabelColumn("user_id", CUSTOMER, description="customer")

    `empty` is shown when the id is NULL ("platform" for a warehouse nobody owns). Keep `link`
    false on the column that links to the row itself (the first one, by default). `ordering`
    makes the column sortable by that field; it is off by default, since ids sort in an order
    their labels don't."""

    def __init__(self, field: str, lookup: Lookup, *, description: str, empty: str = EMPTY, link: bool = True,
                 ordering: str | None = None):
        self.field, self.lookup, self.empty, self.link = field, lookup, empty, link
        self.short_description = description
        if ordering:
            self.admin_order_field = ordering

    def text(self, obj: Model) -> str:
        """The label alone, as plain text."""
        value = getattr(obj, self.field)
        if value is None:
            return self.empty
        label = obj.__dict__.get(_LABELS, {}).get(self, _NOT_RESOLVED)
        if label is _NOT_RESOLVED:
            labels_resolve([obj], [self])
            label = obj.__dict__[_LABELS][self]
        return self.lookup.missing.format(id=value) if label is None else label

    def __call__(self, obj: Model) -> str:
        text, value = self.text(obj), getattr(obj, self.field)
        found = obj.__dict__.get(_LABELS, {}).get(self) is not None
        if found and self.link and self.lookup.url_name:
            try:
                return format_html('<a href="{}">{}</a>', reverse(self.lookup.url_name, args=[value]), text)
            except NoReverseMatch:  # that admin is not installed
                pass
        return text


class CrossAppLabels[M: Model]:
    """Mix into a ModelAdmin (before it) or an inline: the `LabelColumn`s it shows are resolved
    for the whole changelist page, or all of an inline's rows, before the first row is drawn.

    A changelist of any length then costs one query per Lookup on top of Django's own, instead
    of one per row and column.

    `search_also`: functions from the search box's text to a Q (or None when the text is not
    theirs), so staff can search by what the labels show, e.g. a customer's email or an order's
    reference; rows they match are added to the usual search's.

    Generic in the model, so a subclass's `describe` takes its own model. A mixin: its super()
    calls reach the ModelAdmin or InlineModelAdmin it is mixed into, which mypy can't see (the
    `type: ignore[misc]`s below)."""

    search_also: tuple[Callable[[str], Q | None], ...] = ()

    def label_columns(self, names: Iterable[Any]) -> list[LabelColumn]:
        columns = (name if callable(name) else getattr(self, name, None) for name in names)
        return [column for column in columns if isinstance(column, LabelColumn)]

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        changelist = super().get_changelist_instance(request)  # type: ignore[misc]  # mixin, see above
        columns = self.label_columns(changelist.list_display)
        if columns:
            labels_resolve(changelist.result_list, columns)
        return changelist

    def describe(self, obj: M) -> str | None:
        """The heading of `obj`'s change page, where its str() would show ids or status codes
        (override; None keeps Django's)."""
        return None

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False, change: bool = False,
                           form_url: str = "", obj: M | None = None) -> HttpResponse:
        if obj is not None and (heading := self.describe(obj)):
            context["subtitle"] = heading
        return super().render_change_form(  # type: ignore[misc]  # mixin, see above
            request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[M],
                           search_term: str) -> tuple[QuerySet[M], bool]:
        results, may_have_duplicates = super().get_search_results(  # type: ignore[misc]  # mixin, see above
            request, queryset, search_term)
        term = search_term.strip()
        wider = [q for find in self.search_also if term and (q := find(term)) is not None]
        if wider:
            results = results | queryset.filter(reduce(operator.or_, wider))
        return results, may_have_duplicates

    def get_formset(self, request: HttpRequest, obj: Model | None = None, **kwargs: Any) -> type[BaseInlineFormSet]:
        """(Inlines.) The formset's rows are loaded once, their labels resolved with them."""
        formset: Any = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]  # mixin, see above
        columns = self.label_columns(flatten_fieldsets(self.get_fieldsets(request, obj)))  # type: ignore[attr-defined]  # mixin
        if not columns:
            return formset

        class LabelledFormSet(formset):
            def get_queryset(self) -> QuerySet[Model]:
                queryset: QuerySet[Model] = super().get_queryset()
                if not getattr(self, "_labels_resolved", False):
                    self._labels_resolved = True
                    labels_resolve(queryset, columns)
                return queryset

        LabelledFormSet.__name__ = formset.__name__
        return LabelledFormSet


def search_by(lookup: str, value: Callable[[str], Any]) -> Callable[[str], Q | None]:
    """A `search_also` entry: rows where `lookup` matches `value(text)`, unless that is None.

        search_by("user_id__in", lambda text: user_ids_by_email(text=text) if "@" in text else None)
    """

    def find(text: str) -> Q | None:
        found = value(text)
        return None if found is None else Q(**{lookup: found})

    return find


# --- Filters -------------------------------------------------------------------------------------

def choice_filter(field: str, *, title: str, choices: Callable[[], Iterable[tuple[Any, str]]],
                  parameter_name: str | None = None) -> type[admin.SimpleListFilter]:
    """A sidebar filter on `field` whose choices are named by `choices()` (e.g. a warehouse's
    code and name, from logistics.interface), asked once per page."""

    class ChoiceFilter(admin.SimpleListFilter):
        def lookups(self, request, model_admin):
            return [(str(value), label) for value, label in choices()]

        def queryset(self, request, queryset):
            value = self.value()
            return queryset if value is None else queryset.filter(**{field: value})

    ChoiceFilter.title = title
    ChoiceFilter.parameter_name = parameter_name or field.removesuffix("_id")
    ChoiceFilter.__name__ = f"{ChoiceFilter.parameter_name.title().replace('_', '')}Filter"
    return ChoiceFilter
