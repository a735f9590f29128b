"""Staff screens: PIN codes and routes to look at, warehouses and couriers to run.

Saving a warehouse or a courier goes through the services, which validate, emit events, make
cached delivery promises stale and queue the serviceability recompute.
"""

from __future__ import annotations

from typing import TypedDict, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django_stubs_ext import WithAnnotations

from accounts.interface import user_names
from logistics.models import Courier, PinCode, Route, Warehouse
from logistics.selectors import routes_cache_invalidate
from logistics.services import courier_upsert, warehouse_create, warehouse_update
from logistics.validators import known_states
from shop.admin import CrossAppLabels, LabelColumn, Lookup


class RouteCount(TypedDict):
    route_count: int  # WarehouseAdmin.get_queryset's annotation

SELLER = Lookup(lambda ids: user_names(user_ids=ids), url_name="admin:accounts_user_change",
                missing="user {id} (deleted)")


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False  # a COUNT(*) over 150,000 routes on every page is waste

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PinCode)
class PinCodeAdmin(ReadOnlyAdmin):
    list_display = ("pin", "office_name", "district", "state", "lat", "lon", "coords_source")
    list_filter = ("coords_source", "state")
    search_fields = ("^pin", "office_name", "district")
    ordering = ("pin",)


@admin.register(Route)
class RouteAdmin(ReadOnlyAdmin):
    list_display = ("pin_code", "pin_place", "warehouse", "courier", "transit_days", "distance_km")
    list_filter = ("warehouse", "courier", "transit_days")
    search_fields = ("^pin_code__pin",)
    list_select_related = ("pin_code", "warehouse", "courier")
    ordering = ("pin_code", "warehouse")

    @admin.display(description="place")
    def pin_place(self, route: Route) -> str:
        return f"{route.pin_code.district.title()}, {route.pin_code.state.title()}"


class WarehouseForm(forms.ModelForm):
    class Meta:
        model = Warehouse
        fields = ("code", "name", "seller_id", "pin_code", "city", "active")

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()

    def clean_pin_code(self) -> PinCode:
        pin = self.cleaned_data["pin_code"]
        if pin.lat is None:
            raise ValidationError("This PIN code has no coordinates; choose a neighbouring one.")
        return pin


@admin.register(Warehouse)
class WarehouseAdmin(CrossAppLabels, admin.ModelAdmin):
    form = WarehouseForm
    list_display = ("code", "name", "city", "state", "pin_code", "owner", "active", "routes")
    list_filter = ("active", "state")
    search_fields = ("code", "name", "city", "pin_code__pin")
    autocomplete_fields = ("pin_code",)
    actions = ("recompute_serviceability",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(route_count=Count("routes"))

    def get_readonly_fields(self, request, obj=None):
        return ("code", "owner", "state", "lat", "lon", "created_at", "updated_at") if obj else ()

    def get_fields(self, request, obj=None):
        fields = ["code", "name", "seller_id", "pin_code", "city", "active"]
        return [*fields, "owner", "state", "lat", "lon", "created_at", "updated_at"] if obj else fields

    owner = LabelColumn("seller_id", SELLER, description="owner", empty="the platform")

    @admin.display(description="PIN codes served", ordering="route_count")
    def routes(self, warehouse: WithAnnotations[Warehouse, RouteCount]) -> int:
        return warehouse.route_count

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {"name": data["name"], "seller_id": data["seller_id"], "pin_code": data["pin_code"].pin,
                  "city": data["city"], "active": data["active"]}
        save = warehouse_update if change else warehouse_create
        saved = save(code=obj.code if change else data["code"], **fields)
        for field in saved._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        if data["active"]:
            messages.info(request, f"Routes for {saved.code} are being recomputed in the background.")

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        routes_cache_invalidate()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        routes_cache_invalidate()

    @admin.action(description="Recompute serviceability (in the background)")
    def recompute_serviceability(self, request, queryset):
        from logistics.tasks import compute_serviceability

        codes = list(queryset.values_list("code", flat=True))
        for code in codes:
            compute_serviceability.delay(warehouse_code=code)
        messages.success(request, f"The PIN codes served from {', '.join(codes)} are being recomputed "
                                  "in the background.")


class CourierForm(forms.ModelForm):
    states = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to serve all of India.")
    excluded_pin_prefixes = forms.CharField(
        required=False, label="Excluded PIN prefixes",
        help_text="Comma-separated, 1-6 digits each: 744 is the Andamans, 682559 one PIN code.")

    class Meta:
        model = Courier
        fields = ("code", "name", "base_days", "km_per_day", "cutoff", "picks_up_sundays", "states",
                  "excluded_pin_prefixes", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # self.fields holds plain Fields to mypy; `states` is the MultipleChoiceField declared above.
        states = cast(forms.MultipleChoiceField, self.fields["states"])
        states.choices = [(s, s.title()) for s in sorted(known_states())]
        if self.instance.pk:
            self.initial["excluded_pin_prefixes"] = ", ".join(self.instance.excluded_pin_prefixes)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()

    def clean_excluded_pin_prefixes(self) -> list[str]:
        return sorted({p.strip() for p in self.cleaned_data["excluded_pin_prefixes"].split(",") if p.strip()})


@admin.register(Courier)
class CourierAdmin(admin.ModelAdmin):
    form = CourierForm
    list_display = ("code", "name", "base_days", "km_per_day", "cutoff", "picks_up_sundays", "regions",
                    "excluded", "active")
    list_filter = ("active", "picks_up_sundays")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    @admin.display(description="serves")
    def regions(self, courier: Courier) -> str:
        if not courier.states:
            return "all of India"
        return f"{len(courier.states)} states" if len(courier.states) > 3 else ", ".join(
            s.title() for s in courier.states)

    @admin.display(description="except PIN prefixes")
    def excluded(self, courier: Courier) -> str:
        return ", ".join(courier.excluded_pin_prefixes) or "-"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved, changed = courier_upsert(
            code=obj.code, name=data["name"], base_days=data["base_days"], km_per_day=data["km_per_day"],
            cutoff=data["cutoff"], states=data["states"], excluded_pin_prefixes=data["excluded_pin_prefixes"],
            picks_up_sundays=data["picks_up_sundays"], active=data["active"])
        for field in saved._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        if changed:
            messages.info(request, "Every warehouse's routes are being recomputed in the background.")

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        routes_cache_invalidate()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        routes_cache_invalidate()
