"""GST invoices: one per shipment, numbered per seller and financial year without gaps.

Everything on an invoice is a snapshot taken when it is issued (names, addresses, states, HSN codes,
rates): an invoice never changes after it is issued, whatever happens to the catalog or the
settings. Amounts are integer paise; the invoice's totals are the sums of its lines', and on
every line and the invoice, taxable + CGST + SGST + IGST == total (CheckConstraints).
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

GSTIN_PATTERN = r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$"


class SupplyType(models.TextChoices):
    INTRA_STATE = "intra", "Intra-state (CGST + SGST)"
    INTER_STATE = "inter", "Inter-state (IGST)"


def _adds_up(prefix: str) -> Q:
    return Q(**{f"{prefix}total_paise": F(f"{prefix}taxable_paise") + F(f"{prefix}cgst_paise")
                + F(f"{prefix}sgst_paise") + F(f"{prefix}igst_paise")})


def _one_kind_of_tax() -> Q:
    """Intra-state: CGST and SGST, no IGST; inter-state: IGST only."""
    return (Q(supply_type=SupplyType.INTRA_STATE, igst_paise=0)
            | Q(supply_type=SupplyType.INTER_STATE, cgst_paise=0, sgst_paise=0))


class SellerGstin(models.Model):
    """A seller's GST registration in one state (a GSTIN is per state; its first two digits are the
    state's code). Invoices of shipments from a warehouse in that state carry it."""

    seller_id = models.BigIntegerField(db_index=True)
    state = models.CharField(max_length=100, help_text="As on warehouses, e.g. KARNATAKA.")
    gstin = models.CharField("GSTIN", max_length=15, validators=[RegexValidator(GSTIN_PATTERN)],
                             help_text="15 characters, e.g. 29ABCDE1234F1Z5.")

    class Meta:
        verbose_name = "seller GSTIN"
        constraints = [
            models.UniqueConstraint(fields=["seller_id", "state"], name="seller_gstin_one_per_state"),
            models.CheckConstraint(condition=Q(gstin__regex=GSTIN_PATTERN), name="seller_gstin_format"),
        ]

    def __str__(self) -> str:
        return f"{self.gstin} (seller {self.seller_id}, {self.state})"


class InvoiceCounter(models.Model):
    """The last number issued in a seller's series for a financial year ("2026-27").

    Incremented in the transaction that creates the invoice, under this row's lock: a rolled-back
    invoice gives its number back, two concurrent ones wait for each other, so the series has
    neither gaps nor repeats.
    """

    seller_id = models.BigIntegerField()
    financial_year = models.CharField(max_length=7)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller_id", "financial_year"], name="invoice_counter_per_seller_year"),
        ]

    def __str__(self) -> str:
        return f"seller {self.seller_id} {self.financial_year}: {self.last_number}"


class Invoice(models.Model):
    seller_id = models.BigIntegerField()
    user_id = models.BigIntegerField(help_text="The customer (an accounts user id).")
    shipment_id = models.BigIntegerField(unique=True)
    order_id = models.UUIDField(db_index=True)
    order_reference = models.CharField(max_length=40)
    number = models.CharField(max_length=16, db_index=True,
                              help_text="<financial year>/<sequence> (2627/000123): unique in the seller's series.")
    financial_year = models.CharField(max_length=7, help_text="April to March in India, e.g. 2026-27.")
    sequence = models.PositiveIntegerField()
    issued_at = models.DateTimeField(help_text="The date of supply: when the shipment left the warehouse.")
    created_at = models.DateTimeField(auto_now_add=True)
    supply_type = models.CharField(max_length=5, choices=SupplyType.choices)

    seller_name = models.CharField(max_length=200)
    seller_gstin = models.CharField("seller GSTIN", max_length=15, blank=True)
    warehouse_id = models.BigIntegerField()
    warehouse_name = models.CharField(max_length=120)
    warehouse_city = models.CharField(max_length=100)
    warehouse_pin_code = models.CharField(max_length=6)
    seller_state = models.CharField(max_length=100, help_text="The warehouse's state.")

    buyer_name = models.CharField(max_length=150)
    buyer_line1 = models.CharField(max_length=200)
    buyer_line2 = models.CharField(max_length=200, blank=True)
    buyer_city = models.CharField(max_length=100)
    buyer_pin_code = models.CharField(max_length=6)
    buyer_state = models.CharField(max_length=100, help_text="The place of supply.")

    taxable_paise = models.BigIntegerField()
    cgst_paise = models.BigIntegerField(default=0)
    sgst_paise = models.BigIntegerField(default=0)
    igst_paise = models.BigIntegerField(default=0)
    total_paise = models.BigIntegerField()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["seller_id", "financial_year", "sequence"],
                                    name="invoice_sequence_unique_per_seller_year"),
            models.CheckConstraint(condition=_adds_up(""), name="invoice_adds_up"),
            models.CheckConstraint(condition=_one_kind_of_tax(), name="invoice_one_kind_of_tax"),
            models.CheckConstraint(condition=Q(supply_type__in=SupplyType.values), name="invoice_supply_type_known"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="invoice_sequence_from_one"),
        ]
        indexes = [
            models.Index(fields=["seller_id", "-id"], name="invoice_by_seller"),
            models.Index(fields=["user_id", "-id"], name="invoice_by_customer"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def intra_state(self) -> bool:
        return self.supply_type == SupplyType.INTRA_STATE

    @property
    def tax_paise(self) -> int:
        return self.cgst_paise + self.sgst_paise + self.igst_paise


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    item_id = models.BigIntegerField(null=True, blank=True, help_text="Empty for the shipping charge.")
    sku = models.CharField("SKU", max_length=64, blank=True)
    hsn_code = models.CharField("HSN/SAC", max_length=8, blank=True)
    description = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price_paise = models.BigIntegerField(help_text="Tax included, as the customer paid it.")
    gst_rate = models.PositiveSmallIntegerField(help_text="Per cent.")
    taxable_paise = models.BigIntegerField()
    cgst_paise = models.BigIntegerField(default=0)
    sgst_paise = models.BigIntegerField(default=0)
    igst_paise = models.BigIntegerField(default=0)
    total_paise = models.BigIntegerField()

    class Meta:
        ordering = ["invoice_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position_unique"),
            models.CheckConstraint(condition=_adds_up(""), name="invoice_line_adds_up"),
            models.CheckConstraint(condition=Q(total_paise=F("unit_price_paise") * F("quantity")),
                                   name="invoice_line_total_is_price_times_quantity"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="invoice_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}#{self.position} {self.description}"

    @property
    def tax_paise(self) -> int:
        return self.cgst_paise + self.sgst_paise + self.igst_paise
