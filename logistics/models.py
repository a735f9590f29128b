"""Tables of the logistics app: PIN codes, warehouses, couriers and the precomputed routes.

Names of states and districts are kept as India Post spells them (upper case, "TAMIL NADU"),
so a courier's list of states compares with a PIN code's state without any mapping.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from logistics.validators import validate_code, validate_pin_prefixes, validate_states


class PinCode(models.Model):
    """One Indian PIN code from the offline India Post data (`manage.py load_pincodes`)."""

    class CoordsSource(models.TextChoices):
        CENTROID = "centroid", "PIN code centroid"
        DISTRICT = "district", "district average (the PIN has no reliable centroid)"
        STATE = "state", "state average (the PIN has no reliable centroid)"
        NONE = "none", "no coordinates"

    pin = models.CharField("PIN code", max_length=6, primary_key=True)
    office_name = models.CharField("main post office", max_length=100)
    district = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True, db_index=True)
    lat = models.FloatField("latitude", null=True, blank=True)
    lon = models.FloatField("longitude", null=True, blank=True)
    coords_source = models.CharField(max_length=10, choices=CoordsSource.choices,
                                     default=CoordsSource.CENTROID)

    class Meta:
        verbose_name = "PIN code"
        ordering = ["pin"]
        constraints = [
            models.CheckConstraint(condition=Q(pin__regex=r"^[1-9][0-9]{5}$"), name="pincode_six_digits"),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lon__isnull=True))
                | (Q(lat__gte=-90, lat__lte=90) & Q(lon__gte=-180, lon__lte=180)),
                name="pincode_coords_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pin} {self.office_name}"


class Warehouse(models.Model):
    """Where stock ships from. Sellers address their warehouses by `code`."""

    code = models.CharField(max_length=20, unique=True, validators=[validate_code],
                            help_text="Stable id sellers use, e.g. DEL1.")
    name = models.CharField(max_length=120)
    # Across apps we keep ids, not foreign keys: the owner is an accounts user, or nobody
    # (NULL) for a warehouse the platform runs itself.
    seller_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True,
                                               help_text="Owner's user id; empty for the platform.")
    pin_code = models.ForeignKey(PinCode, on_delete=models.PROTECT, related_name="warehouses")
    lat = models.FloatField("latitude", help_text="Copied from the PIN code's centroid.")
    lon = models.FloatField("longitude", help_text="Copied from the PIN code's centroid.")
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=100)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z0-9][A-Z0-9_-]*$"),
                                   name="warehouse_code_upper_alnum"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Courier(models.Model):
    """A courier partner: how fast it moves, when it picks up, where it goes.

    Transit days for a route are `base_days + ceil(road_km / km_per_day)`, at least 1, where
    road_km is the great-circle distance times the detour factor (services.DETOUR_FACTOR).
    A courier serves a PIN code when the PIN's state is in `states` (empty: all of India) and
    the PIN starts with none of `excluded_pin_prefixes` ("744" is all of the Andamans,
    "682559" one PIN). It must serve both ends: the warehouse's PIN and the customer's.
    """

    code = models.CharField(max_length=20, unique=True, validators=[validate_code])
    name = models.CharField(max_length=120)
    base_days = models.PositiveSmallIntegerField(
        default=1, help_text="Days for pick-up, sorting and last mile, whatever the distance.")
    km_per_day = models.PositiveIntegerField(default=500, help_text="Road kilometres covered per day.")
    cutoff = models.TimeField("daily cut-off", help_text="Local time (Asia/Kolkata); orders after it "
                              "ship the next pick-up day.")
    picks_up_sundays = models.BooleanField(default=False)
    states = models.JSONField(default=list, blank=True, validators=[validate_states],
                              help_text='State names as India Post spells them, e.g. ["DELHI", "HARYANA"]; '
                                        "empty means all of India.")
    excluded_pin_prefixes = models.JSONField(
        default=list, blank=True, validators=[validate_pin_prefixes],
        help_text='PIN prefixes it never serves, e.g. ["744", "682559"].')
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(km_per_day__gt=0), name="courier_km_per_day_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Route(models.Model):
    """Precomputed serviceability: the fastest courier from a warehouse to a PIN code.

    No row means no courier serves the pair. `compute_serviceability` replaces a warehouse's
    rows in one transaction. The unique index starts with the PIN code: the delivery promise
    reads every warehouse's row for one PIN with a single range scan.
    """

    pin_code = models.ForeignKey(PinCode, on_delete=models.CASCADE, related_name="+", db_index=False)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="routes")
    courier = models.ForeignKey(Courier, on_delete=models.CASCADE, related_name="+")
    transit_days = models.PositiveSmallIntegerField()
    distance_km = models.PositiveIntegerField(help_text="Estimated road distance (great circle x detour).")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pin_code", "warehouse"], name="route_one_per_pin_and_warehouse"),
            models.CheckConstraint(condition=Q(transit_days__gte=1), name="route_transit_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id} → {self.pin_code_id}: {self.transit_days} d"
