"""Pipelines, their ordered stages, and the stage history of each opportunity."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Pipeline(models.Model):
    """A configurable sales process: an ordered list of stages."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline"
            )
        ]

    def __str__(self) -> str:
        return self.name


class StageKind(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Stage(models.Model):
    """One step of a pipeline. ``position`` orders open stages; a move to a lower
    position, or from a won/lost stage back to an open one, is a regression."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=8, choices=StageKind.choices, default=StageKind.OPEN)
    probability = models.PositiveSmallIntegerField(_("win probability (%)"), default=0)

    class Meta:
        ordering = ["pipeline_id", "position"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "code"], name="stage_code_unique_in_pipeline"),
            models.UniqueConstraint(
                fields=["pipeline", "position"], name="stage_position_unique_in_pipeline"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.kind != StageKind.OPEN

    def display_name(self, language: str | None = None) -> str:
        if language and language.startswith("en") and self.name_en:
            return self.name_en
        return self.name


class MoveSource(models.TextChoices):
    """Which interface asked for a stage move; every one goes through the transition service."""

    CREATE = "create", _("Created")
    FORM = "form", _("Opportunity form")
    KANBAN = "kanban", _("Kanban")
    BULK = "bulk", _("Bulk change")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    HISTORY_IMPORT = "history_import", _("Historical import")
    DEMO = "demo", _("Demo data")
    SYSTEM = "system", _("System")


class StageInterval(models.Model):
    """One stay of one opportunity in one stage. ``left_at`` is empty while it lasts;
    at most one interval per opportunity is open (a database constraint)."""

    opportunity = models.ForeignKey(
        "crm.Opportunity", on_delete=models.CASCADE, related_name="stage_intervals"
    )
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="intervals")
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"), db_index=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    is_regression = models.BooleanField(_("regression"), default=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=MoveSource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Owner of the opportunity when it entered the stage, so dwell per rep survives reassignment.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    import_batch = models.ForeignKey(
        "imports.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["opportunity_id", "entered_at", "id"]
        verbose_name = _("stage interval")
        verbose_name_plural = _("stage intervals")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity"], condition=Q(left_at__isnull=True), name="one_open_interval"
            ),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=models.F("entered_at")),
                name="interval_left_after_entered",
            ),
        ]
        # PostgreSQL also has stay_by_stage_dwell, made by migration 0005: see there.
        indexes = [models.Index(fields=["stage", "entered_at"])]

    def __str__(self) -> str:
        return f"{self.opportunity_id}:{self.stage_id}@{self.entered_at:%Y-%m-%d}"


class StageGate(models.Model):
    """The evidence a deal must have to enter ``stage``, as a rule tree stored as data.

    ``rule`` is a JSON tree of ``{"all": [...]}`` / ``{"any": [...]}`` groups whose leaves
    are field, attachment, objection and checklist conditions (see ``pipeline.gates``).
    It is interpreted, never evaluated as code.
    """

    stage = models.OneToOneField(Stage, on_delete=models.CASCADE, related_name="gate")
    rule = models.JSONField(_("rule"), default=dict)
    enabled = models.BooleanField(_("enabled"), default=True)
    # When the gate was last switched on: the fake-progress metric compares before and after.
    enabled_at = models.DateTimeField(_("enabled at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("stage gate")
        verbose_name_plural = _("stage gates")

    def __str__(self) -> str:
        return f"gate:{self.stage}"


class DocumentType(models.Model):
    """A named kind of evidence document, e.g. 技术参数确认书 (signed technical confirmation)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    # Comma-separated kinds from pipeline.evidence.ALLOWED_KINDS (pdf, jpeg, png).
    allowed_kinds = models.CharField(_("allowed file types"), max_length=60, default="pdf,jpeg,png")
    max_bytes = models.PositiveIntegerField(_("size limit (bytes)"), default=10 * 1024 * 1024)

    class Meta:
        ordering = ["code"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")

    def __str__(self) -> str:
        return self.name

    @property
    def allowed_kind_list(self) -> list[str]:
        return [kind.strip() for kind in self.allowed_kinds.split(",") if kind.strip()]


class Attachment(models.Model):
    """An evidence file on an opportunity; the type was checked by content, not by name."""

    opportunity = models.ForeignKey("crm.Opportunity", on_delete=models.CASCADE, related_name="attachments")
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("file type"), max_length=10)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class ObjectionCategory(models.TextChoices):
    PRICE = "price", _("Price")
    COMPATIBILITY = "compatibility", _("Compatibility")
    QUALITY = "quality", _("Quality or performance")
    SERVICE = "service", _("Service and maintenance")
    COMPETITOR = "competitor", _("Competitor")
    APPROVAL = "approval", _("Approval process")
    BUDGET = "budget", _("Budget")
    OTHER = "other", _("Other")


class Objection(models.Model):
    """A concern the customer raised (客户异议), with the rep's response."""

    opportunity = models.ForeignKey("crm.Opportunity", on_delete=models.CASCADE, related_name="objections")
    # The stage the deal was in when the objection was raised.
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=20, choices=ObjectionCategory.choices)
    customer_words = models.TextField(_("customer's words"))
    response = models.TextField(_("response"), blank=True)
    raised_at = models.DateTimeField(_("raised at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=models.F("raised_at")),
                name="objection_resolved_after_raised",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}@{self.opportunity_id}"


class GateAttempt(models.Model):
    """A move that a stage gate blocked; counted per gate by the fake-progress report."""

    opportunity = models.ForeignKey("crm.Opportunity", on_delete=models.CASCADE, related_name="+")
    gate = models.ForeignKey(StageGate, on_delete=models.CASCADE, related_name="blocked_attempts")
    from_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=16, choices=MoveSource.choices)
    unmet = models.JSONField(default=list)
    attempted_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-attempted_at", "-id"]
        verbose_name = _("blocked move")
        verbose_name_plural = _("blocked moves")
