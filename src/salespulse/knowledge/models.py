"""Talk tracks (话术) of the objection playbook, and the record of reps using them.

A talk track is the response to one kind of customer objection. Ops write tracks, or a
resolved ``pipeline.Objection`` is promoted to one. A promoted track keeps who solved
which customer's case and how long it took, copied at promotion so the origin survives
later edits of the objection. Rows are written only by ``knowledge.services``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salespulse.pipeline.models import ObjectionCategory


class TalkTrackStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    DRAFT = "draft", _("Draft")


class TalkTrackOrigin(models.TextChoices):
    WRITTEN = "written", _("Written by sales operations")
    PROMOTED = "promoted", _("Promoted from a resolved objection")
    DEFAULT = "default", _("Default playbook")


class TalkTrack(models.Model):
    """A reusable response script for one kind of objection.

    ``objection_text`` is the customer's words the track responds to. Recommendations
    compare it, with the title, to new objections. ``seed_code`` identifies a track of
    the shipped default playbook, so reinstalling the defaults adds nothing twice.
    """

    category = models.CharField(_("category"), max_length=20, choices=ObjectionCategory.choices)
    title = models.CharField(_("title"), max_length=120)
    objection_text = models.TextField(_("customer's words"))
    response = models.TextField(_("response script"))
    product_line = models.ForeignKey(
        "crm.ProductLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product line"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TalkTrackStatus.choices, default=TalkTrackStatus.PUBLISHED
    )
    origin = models.CharField(
        _("origin"), max_length=10, choices=TalkTrackOrigin.choices, default=TalkTrackOrigin.WRITTEN
    )
    source_objection = models.OneToOneField(
        "pipeline.Objection", on_delete=models.SET_NULL, null=True, blank=True, related_name="talk_track"
    )
    # Who solved the source objection, for which customer and how long it took: copied
    # at promotion, because the objection and its deal may later change or be deleted.
    solved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    origin_customer = models.ForeignKey(
        "crm.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    origin_channel = models.ForeignKey(
        "crm.Channel", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    time_to_resolve = models.DurationField(_("time to resolve"), null=True, blank=True)
    seed_code = models.SlugField(max_length=60, null=True, blank=True, unique=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["category", "-updated_at", "-id"]
        verbose_name = _("talk track")
        verbose_name_plural = _("talk tracks")
        indexes = [models.Index(fields=["status", "category"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_promoted(self) -> bool:
        return self.origin == TalkTrackOrigin.PROMOTED


class UseOutcome(models.TextChoices):
    PENDING = "pending", _("Not resolved yet")
    RESOLVED = "resolved", _("Resolved")


class TalkTrackUse(models.Model):
    """A rep marked "used this" for a talk track on an opportunity.

    ``resolved_at`` is set when the rep reports that the objection was resolved; the
    time from ``used_at`` to it feeds the track's speed in recommendations.
    """

    talk_track = models.ForeignKey(TalkTrack, on_delete=models.CASCADE, related_name="uses")
    opportunity = models.ForeignKey("crm.Opportunity", on_delete=models.CASCADE, related_name="+")
    objection = models.ForeignKey(
        "pipeline.Objection", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=UseOutcome.choices, default=UseOutcome.PENDING)
    used_at = models.DateTimeField(_("used at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-used_at", "-id"]
        verbose_name = _("talk track use")
        verbose_name_plural = _("talk track uses")
        constraints = [
            models.UniqueConstraint(fields=["talk_track", "opportunity"], name="one_use_per_track_and_opportunity"),
            models.CheckConstraint(
                condition=Q(outcome="pending", resolved_at__isnull=True)
                | Q(outcome="resolved", resolved_at__isnull=False),
                name="use_resolved_at_matches_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.talk_track_id}@{self.opportunity_id}"
