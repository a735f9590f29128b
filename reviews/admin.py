"""Moderation: staff read reviews and hide them with a reason (or show them again). The words are
the customer's, so nothing here edits them; hiding and showing go through the services, which
emit the event that recounts the item's rating."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from accounts.interface import user_emails, user_ids_by_email
from catalog.interface import item_ids_by_sku, item_labels
from reviews.models import Review
from reviews.services import HIDE_REASON_MAX, ReviewError, review_hide, review_show
from shop.admin import CrossAppLabels, HistoryAdmin, LabelColumn, Lookup, search_by

ITEM = Lookup(lambda ids: item_labels(item_ids=ids), url_name="admin:catalog_item_change",
              missing="item {id} (deleted)")
PERSON = Lookup(lambda ids: user_emails(user_ids=ids), url_name="admin:accounts_user_change",
                missing="user {id} (deleted)")


class HiddenFilter(admin.SimpleListFilter):
    title = "shown"
    parameter_name = "hidden"

    def lookups(self, request, model_admin):
        return [("no", "Shown"), ("yes", "Hidden")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(hidden_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(hidden_at__isnull=True)
        return queryset


class HideForm(forms.Form):
    reason = forms.CharField(max_length=HIDE_REASON_MAX, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
                             help_text="Kept with the review and shown to its author, e.g. “Contains a phone "
                                       "number” or “About the courier, not the item”.")


def _reviews(n: int) -> str:
    return f"{n} review" if n == 1 else f"{n} reviews"


@admin.register(Review)
class ReviewAdmin(CrossAppLabels, HistoryAdmin):
    list_display = ("title", "item", "customer", "stars", "shown", "helpful_count", "created_at")
    list_filter = (HiddenFilter, "rating", "created_at")
    search_fields = ("title", "body", "=item_id")
    search_help_text = "Words of the review, an item's SKU or id, or the customer's email."
    search_also = (
        search_by("user_id__in", lambda text: user_ids_by_email(text=text) if "@" in text else None),
        search_by("item_id__in", lambda text: item_ids_by_sku(sku=text) or None),
    )
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["hide_reviews", "show_reviews"]
    fields = ("item", "customer", "author_name", "stars", "title", "body", "pictures", "seller_reply",
              "helpful_count", "created_at", "edited_at", "hidden_at", "hidden_reason", "hidden_by_staff")
    readonly_fields = fields

    item = LabelColumn("item_id", ITEM, description="item")
    customer = LabelColumn("user_id", PERSON, description="customer")
    hidden_by_staff = LabelColumn("hidden_by", PERSON, description="hidden by")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reply").prefetch_related("pictures")

    def describe(self, review: Review) -> str:
        return f"{review.rating}★ “{review.title}” by {self.customer.text(review)}"

    @admin.display(description="rating", ordering="rating")
    def stars(self, review: Review) -> str:
        return f"{'★' * review.rating}{'☆' * (5 - review.rating)} ({review.rating})"

    @admin.display(description="shown", boolean=True, ordering="hidden_at")
    def shown(self, review: Review) -> bool:
        return review.hidden_at is None

    @admin.display(description="pictures")
    def pictures(self, review: Review) -> str:
        return format_html_join(" ", '<a href="{}"><img src="{}" alt="" width="80" height="80"></a>',
                                ((p.file.url, p.file.url) for p in review.pictures.all())) or "-"

    @admin.display(description="seller's reply")
    def seller_reply(self, review: Review) -> str:
        reply = getattr(review, "reply", None)
        return format_html("{}", reply.body) if reply else "-"

    @admin.action(description="Hide selected reviews (with a reason)", permissions=["change"])
    def hide_reviews(self, request, queryset):
        """First a page asking why; its form posts back here with `apply` and the reason."""
        form = HideForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            hidden = 0
            for review_id in queryset.values_list("pk", flat=True):
                try:
                    hidden += review_hide(review_id=review_id, staff_id=request.user.pk,
                                          reason=form.cleaned_data["reason"])
                except ReviewError as exc:
                    self.message_user(request, exc.message, messages.WARNING)
            skipped = queryset.count() - hidden
            self.message_user(request, f"{_reviews(hidden)} hidden." + (
                f" {_reviews(skipped)} already hidden, kept with their first reason." if skipped else ""),
                messages.SUCCESS)
            return None
        return TemplateResponse(request, "admin/reviews/review/hide.html", {
            **self.admin_site.each_context(request),
            "title": "Hide reviews", "opts": self.model._meta, "form": form, "reviews": list(queryset[:100]),
            "count": queryset.count(), "selected": queryset.values_list("pk", flat=True),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        })

    @admin.action(description="Show selected reviews again", permissions=["change"])
    def show_reviews(self, request, queryset):
        shown = sum(review_show(review_id=pk, staff_id=request.user.pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, f"{_reviews(shown)} shown again.", messages.SUCCESS)
