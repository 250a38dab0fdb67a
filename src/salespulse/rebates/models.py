"""Rebate agreements, their tier tables, and signed rebate confirmations (返点确认单).

Money is ``Decimal`` with two places (CNY); rates are fractions with six places, so
3.2% is stored as ``0.032000``. Documents are written only by ``rebates.services``:
the signed fields of a confirmation never change after it is created, and a
correction is a separate reversing document that references the original.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 16, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 6}


class CustomerGroup(models.Model):
    """A named set of customers that one rebate agreement can cover (e.g. a hospital group)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    customers = models.ManyToManyField("crm.Customer", related_name="rebate_groups", blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")

    def __str__(self) -> str:
        return self.name


class PeriodKind(models.TextChoices):
    """Length of the settlement period; periods follow calendar months in Asia/Shanghai."""

    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class CalculationMode(models.TextChoices):
    """``whole``: the reached tier's rate applies to the whole collected amount.
    ``progressive``: each slice between two thresholds is paid at its own tier's rate."""

    WHOLE = "whole", _("Whole amount")
    PROGRESSIVE = "progressive", _("Progressive")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class RebateAgreement(models.Model):
    """One version of a rebate agreement with a customer or a customer group.

    A new version of the same ``code`` is a new row with ``version`` + 1, so
    confirmations keep pointing at the version they were computed with. Exactly one of
    ``customer`` and ``customer_group`` is set. ``products`` lists the covered products;
    an agreement without products covers none. ``effective_to`` is inclusive and empty
    for an open-ended agreement.
    """

    code = models.CharField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    customer = models.ForeignKey(
        "crm.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="rebate_agreements"
    )
    customer_group = models.ForeignKey(
        CustomerGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="agreements"
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    mode = models.CharField(
        _("calculation mode"), max_length=12, choices=CalculationMode.choices, default=CalculationMode.WHOLE
    )
    products = models.ManyToManyField("crm.Product", related_name="rebate_agreements", blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("rebate agreement")
        verbose_name_plural = _("rebate agreements")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="rebates_agreement_code_version_unique"),
            models.CheckConstraint(
                condition=(
                    Q(customer__isnull=False, customer_group__isnull=True)
                    | Q(customer__isnull=True, customer_group__isnull=False)
                ),
                name="rebates_agreement_one_party",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="rebates_agreement_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    def is_effective_on(self, day) -> bool:
        """Return whether ``day`` (a date) lies within the inclusive effective dates."""
        if day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to


class RebateTier(models.Model):
    """One row of a tier table: collected ≥ ``threshold`` reaches ``rate`` (a fraction, 0.032 = 3.2%).

    The first tier of a table normally has threshold 0.00 so every amount reaches a tier.
    """

    agreement = models.ForeignKey(RebateAgreement, on_delete=models.CASCADE, related_name="tiers")
    threshold = models.DecimalField(_("threshold"), **MONEY)
    rate = models.DecimalField(_("rate"), **RATE)

    class Meta:
        ordering = ["agreement", "threshold"]
        verbose_name = _("rebate tier")
        verbose_name_plural = _("rebate tiers")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "threshold"], name="rebates_tier_threshold_unique"),
            models.CheckConstraint(condition=Q(threshold__gte=0), name="rebates_tier_threshold_not_negative"),
            models.CheckConstraint(condition=Q(rate__gte=0) & Q(rate__lte=1), name="rebates_tier_rate_fraction"),
        ]

    def __str__(self) -> str:
        return f"≥ {self.threshold}: {self.rate}"


class ConfirmationStatus(models.TextChoices):
    """Workflow state of a confirmation; it is not part of the signed content."""

    CONFIRMED = "confirmed", _("Confirmed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged by finance")
    REVERSED = "reversed", _("Reversed")


class RebateConfirmation(models.Model):
    """A signed rebate confirmation (返点确认单); immutable once created.

    Amounts settle against earlier documents of the same agreement and period:
    ``rebate_amount`` = ``rebate_total_for_period`` − ``previously_confirmed``, where
    ``rebate_total_for_period`` is the rebate on ``period_collected_total`` (every
    earlier document's collected amount plus this one's). A reversing document
    (``reverses`` set) carries the original's amounts negated, so period sums stay right.

    ``signed_payload`` is the exact canonical JSON text that was signed with the key
    ``key_id``. Verification re-checks ``signature`` over it and compares it with the
    stored fields. Only ``status`` and the ``acknowledged_*`` fields change later.
    """

    number = models.CharField(_("number"), max_length=32, unique=True)
    agreement = models.ForeignKey(RebateAgreement, on_delete=models.PROTECT, related_name="confirmations")
    agreement_version = models.PositiveIntegerField(_("agreement version"))
    customer = models.ForeignKey("crm.Customer", on_delete=models.PROTECT, related_name="rebate_confirmations")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    products = models.ManyToManyField("crm.Product", related_name="rebate_confirmations", blank=True)
    mode = models.CharField(_("calculation mode"), max_length=12, choices=CalculationMode.choices)
    payments = models.JSONField(_("payments"), default=list, help_text=_('Decimal strings, e.g. ["120000.10"].'))
    collected_total = models.DecimalField(_("collected on this document"), **MONEY)
    period_collected_total = models.DecimalField(_("collected in the period to date"), **MONEY)
    tier_index = models.PositiveSmallIntegerField(_("tier reached"), null=True, blank=True)
    tier_threshold = models.DecimalField(_("threshold reached"), null=True, blank=True, **MONEY)
    rate = models.DecimalField(_("rate"), **RATE)
    rebate_total_for_period = models.DecimalField(_("rebate on the period total"), **MONEY)
    previously_confirmed = models.DecimalField(_("previously confirmed"), **MONEY)
    rebate_amount = models.DecimalField(_("rebate payable"), **MONEY)
    status = models.CharField(
        _("status"), max_length=14, choices=ConfirmationStatus.choices, default=ConfirmationStatus.CONFIRMED
    )
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    signed_payload = models.TextField(_("signed content"))
    signature = models.CharField(_("signature"), max_length=200)
    key_id = models.CharField(_("key id"), max_length=40)
    verification_code = models.CharField(_("verification code"), max_length=16, unique=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"), db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        ordering = ["-confirmed_at", "-number"]
        verbose_name = _("rebate confirmation")
        verbose_name_plural = _("rebate confirmations")
        indexes = [models.Index(fields=["agreement", "period_start"], name="rebates_conf_agreement_period")]
        constraints = [
            # NOTE: "rebate_amount = rebate_total_for_period - previously_confirmed" is checked in
            # services, not as a CheckConstraint: SQLite evaluates decimal arithmetic as floats.
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="rebates_conf_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class DocumentSequence(models.Model):
    """The last number issued per prefix and period key (e.g. ``RB`` + ``202612``).

    Services lock the row with ``select_for_update`` and increment it in the same
    transaction that creates the document, so numbers have no gaps or duplicates.
    """

    prefix = models.CharField(max_length=8)
    period_key = models.CharField(max_length=8)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "period_key"], name="rebates_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.period_key}: {self.last_number}"


class RebateSigningKey(models.Model):
    """A public Ed25519 key of the company; kept after rotation so old documents verify.

    The private key is never stored in the database; it lives in a PEM file (see
    ``rebates.signing``). ``retired_at`` is set when a newer key takes over signing.
    """

    key_id = models.CharField(_("key id"), max_length=40, unique=True)
    public_key = models.TextField(_("public key (PEM)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")

    def __str__(self) -> str:
        return self.key_id


class AuditAction(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged by finance")
    REVERSED = "reversed", _("Reversed")
    REVERSAL_ISSUED = "reversal_issued", _("Reversing document issued")
    AGREEMENT_IMPORTED = "agreement_imported", _("Agreement imported")


class RebateAuditEvent(models.Model):
    """One state change of a confirmation or agreement, with who made it and when."""

    document = models.ForeignKey(
        RebateConfirmation, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    agreement = models.ForeignKey(
        RebateAgreement, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(_("time"), db_index=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("rebate audit event")
        verbose_name_plural = _("rebate audit events")

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"
