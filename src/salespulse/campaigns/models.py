"""New-product campaigns (攻坚任务), case submissions (实战案例), views and endorsements.

A rep's rank (职级) is not part of ``accounts.User``, so this app records it in
``RepRankAssignment``; a rep without one counts as ``RepRank.JUNIOR``. A campaign's
scope is its regions, teams and ranks, each list empty meaning "all".
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class RepRank(models.TextChoices):
    JUNIOR = "junior", _("Junior rep")
    SENIOR = "senior", _("Senior rep")
    KEY_ACCOUNT = "key_account", _("Key account rep")


class RepRankAssignment(models.Model):
    """The rank of one rep, set by sales operations; campaign scopes and rankings use it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaign_rank")
    rank = models.CharField(_("rank"), max_length=16, choices=RepRank.choices, default=RepRank.JUNIOR)

    class Meta:
        verbose_name = _("rep rank")
        verbose_name_plural = _("rep ranks")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_rank_display()}"


class Scene(models.Model):
    """A field situation a case shows (场景), e.g. 科室主任拜访 or 招标答疑."""

    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("scene")
        verbose_name_plural = _("scenes")

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """A time-boxed push for one product with a weekly case quota per rep in scope.

    ``starts_on`` and ``ends_on`` are local (Asia/Shanghai) dates, both inclusive; week
    *n* of the campaign starts on ``starts_on + 7 × (n − 1)``.
    """

    product = models.ForeignKey("crm.Product", on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    weekly_quota = models.PositiveSmallIntegerField(_("cases per rep per week"), default=1)
    regions = models.ManyToManyField("accounts.Region", blank=True, related_name="+", verbose_name=_("regions"))
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="+", verbose_name=_("teams"))
    ranks = models.JSONField(_("ranks"), default=list, blank=True)
    scenes = models.ManyToManyField(Scene, blank=True, related_name="campaigns", verbose_name=_("scenes wanted"))
    status = models.CharField(_("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


def case_video_path(instance: CaseSubmission, filename: str) -> str:
    """Store videos under a random name; the original name is kept in ``video_name``."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"campaigns/videos/{instance.campaign_id}/{uuid.uuid4().hex}.{extension}"


def case_poster_path(instance: CaseSubmission, filename: str) -> str:
    return f"campaigns/posters/{instance.campaign_id}/{uuid.uuid4().hex}.jpg"


class CaseSubmission(models.Model):
    """One rep's field case: a video and the script used.

    ``region``, ``team`` and ``rep_rank`` are copied from the rep when the case is
    submitted, so rankings keep a case in the group it was filed under. ``source_case``
    is the case this one was reused from (one-click reuse lineage).
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="cases")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaign_cases")
    video = models.FileField(_("video"), upload_to=case_video_path, max_length=255, blank=True)
    video_name = models.CharField(_("file name"), max_length=255, blank=True)
    video_content_type = models.CharField(_("content type"), max_length=40, blank=True)
    video_size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    duration_seconds = models.DecimalField(
        _("duration (seconds)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    poster = models.ImageField(_("poster"), upload_to=case_poster_path, max_length=255, blank=True)
    script = models.TextField(_("script"), blank=True)
    scene = models.ForeignKey(
        Scene, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("scene")
    )
    product_lines = models.ManyToManyField(
        "crm.ProductLine", blank=True, related_name="+", verbose_name=_("product lines")
    )
    channel = models.ForeignKey(
        "crm.Channel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer channel"),
    )
    status = models.CharField(_("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    source_case = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reuses", verbose_name=_("reused from")
    )
    region = models.ForeignKey("accounts.Region", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    team = models.ForeignKey("accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    rep_rank = models.CharField(_("rank"), max_length=16, choices=RepRank.choices, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, db_index=True)
    # A random value the upload form carries, so a form posted twice (a double tap on a
    # slow phone upload) makes one case; the unique constraint settles parallel posts.
    upload_token = models.UUIDField(null=True, blank=True, editable=False)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("case submission")
        verbose_name_plural = _("case submissions")
        indexes = [models.Index(fields=["campaign", "status", "rep"])]
        constraints = [models.UniqueConstraint(fields=["rep", "upload_token"], name="case_once_per_upload_token")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.rep} · #{self.pk}"

    @property
    def is_submitted(self) -> bool:
        return self.status == CaseStatus.SUBMITTED


class CaseView(models.Model):
    """The first time one user watched one case; ``view_count`` counts these rows."""

    case = models.ForeignKey(CaseSubmission, on_delete=models.CASCADE, related_name="views")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "viewer"], name="case_view_once_per_viewer")]

    def __str__(self) -> str:
        return f"case {self.case_id} viewed by user {self.viewer_id}"


class Endorsement(models.Model):
    """A manager's endorsement (推荐) of a case filed by a member of their team."""

    case = models.ForeignKey(CaseSubmission, on_delete=models.CASCADE, related_name="endorsements")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "manager"], name="case_endorsed_once_per_manager")]

    def __str__(self) -> str:
        return f"case {self.case_id} endorsed by user {self.manager_id}"
