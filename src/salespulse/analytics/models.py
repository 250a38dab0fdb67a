"""Stored analytics state: process-health thresholds and holidays, pattern alerts and
detector runs, and the weekly digest bookkeeping."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# --- Process health (过程健康度) ---------------------------------------------------------


class HealthMetric(models.TextChoices):
    FIRST_FOLLOWUP = "first_followup", _("Leads followed up within 48 working hours")
    DWELL_SPREAD = "dwell_spread", _("Spread of dwell days across reps")
    OBJECTION_RESOLUTION = "objection_resolution", _("Objection resolution time of top reps")


class ThresholdDirection(models.TextChoices):
    AT_LEAST = "at_least", _("At least")
    AT_MOST = "at_most", _("At most")


class HealthThreshold(models.Model):
    """The target of one process-health metric. A value that misses ``target`` by no more
    than ``warn_margin`` (in the metric's unit) is a warning; further off it fails."""

    metric = models.CharField(_("metric"), max_length=32, choices=HealthMetric.choices, unique=True)
    target = models.DecimalField(_("target"), max_digits=8, decimal_places=2)
    direction = models.CharField(_("direction"), max_length=8, choices=ThresholdDirection.choices)
    warn_margin = models.DecimalField(_("warning margin"), max_digits=8, decimal_places=2, default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["metric"]
        verbose_name = _("health threshold")
        verbose_name_plural = _("health thresholds")

    def __str__(self) -> str:
        return self.metric


class Holiday(models.Model):
    """A local calendar day the working-time clock skips, like a weekend day."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


# --- Pattern alerts ----------------------------------------------------------------------


class AlertKind(models.TextChoices):
    MULTI_REP_CUSTOMER = "multi_rep_customer", _("Customer followed by several reps")
    REPEATED_REGRESSION = "repeated_regression", _("Repeated moves back out of one stage")
    NO_PROGRESS = "no_progress", _("Interactions without progress")
    STALE_LEAD = "stale_lead", _("Untouched lead")
    STUCK_DEAL = "stuck_deal", _("Deal in stage longer than usual")
    LOSS_FOLLOWUP_CONCENTRATION = "loss_followups", _("Losses concentrated at a follow-up count")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DISMISSED = "dismissed", _("Dismissed")
    # The detector no longer finds the pattern.
    RESOLVED = "resolved", _("Resolved")


ACTIVE_ALERT_STATUSES = (AlertStatus.OPEN, AlertStatus.DISMISSED)


class Alert(models.Model):
    """One finding of a pattern detector. ``subject_key`` names what the alert is about
    (e.g. ``customer:12``); a detector run updates the active alert with the same kind
    and subject instead of adding another. ``evidence`` contains the ids and figures."""

    kind = models.CharField(_("kind"), max_length=32, choices=AlertKind.choices)
    subject_key = models.CharField(max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("owner"),
    )
    customer = models.ForeignKey("crm.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    opportunity = models.ForeignKey(
        "crm.Opportunity", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    lead = models.ForeignKey("crm.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    evidence = models.JSONField(_("evidence"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    detected_at = models.DateTimeField(_("detected at"))
    first_seen = models.DateTimeField(_("first seen"), db_index=True)
    last_seen = models.DateTimeField(_("last seen"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-first_seen", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_key"],
                condition=Q(status__in=["open", "dismissed"]),
                name="one_active_alert_per_subject",
            )
        ]
        indexes = [models.Index(fields=["status", "kind", "owner"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.subject_key}"


class DetectorRun(models.Model):
    """One run of one detector: when, how long, and how many alerts it opened and resolved."""

    kind = models.CharField(_("kind"), max_length=32, choices=AlertKind.choices)
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    found = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("detector run")
        verbose_name_plural = _("detector runs")
        indexes = [models.Index(fields=["kind", "started_at"])]

    def __str__(self) -> str:
        return f"{self.kind}@{self.started_at:%Y-%m-%d %H:%M}"


class DigestRecord(models.Model):
    """When a manager's weekly alert digest was last sent; the next one lists newer alerts."""

    manager = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_sent_at = models.DateTimeField(_("last sent at"))

    class Meta:
        verbose_name = _("alert digest")
        verbose_name_plural = _("alert digests")

    def __str__(self) -> str:
        return f"digest:{self.manager_id}"


# --- Funnel analyzer ---------------------------------------------------------------------


class SavedViewVisibility(models.TextChoices):
    PRIVATE = "private", _("Only me")
    TEAM = "team", _("My team")


class SavedView(models.Model):
    """A named funnel-analyzer filter (see ``analytics.analyzer``). A view shared with the
    team is visible to every member of ``team``, the owner's team when it was saved."""

    name = models.CharField(_("name"), max_length=80)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="analyzer_views", verbose_name=_("owner")
    )
    visibility = models.CharField(
        _("visible to"), max_length=8, choices=SavedViewVisibility.choices, default=SavedViewVisibility.PRIVATE
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    filter = models.JSONField(_("filter"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved analyzer view")
        verbose_name_plural = _("saved analyzer views")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_unique_per_owner"),
            models.CheckConstraint(
                condition=Q(visibility="private") | Q(team__isnull=False), name="shared_view_has_team"
            ),
        ]
        indexes = [models.Index(fields=["team", "visibility"])]

    def __str__(self) -> str:
        return self.name
