"""Import batches: every import is a batch that records what it changed, so it can be undone."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchStatus(models.TextChoices):
    COMMITTED = "committed", _("Committed")
    UNDONE = "undone", _("Undone")


class ImportBatch(models.Model):
    """One committed import of one file (dry runs write nothing, so leave no batch)."""

    kind = models.CharField(_("kind"), max_length=32)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.COMMITTED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.kind}:{self.file_name}#{self.pk}"


class ChangeAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")


class ImportChange(models.Model):
    """One record that a batch created or updated, with what undo needs to reverse it.

    ``applied`` holds the field values the import wrote and ``previous`` the values
    they replaced (updates only), both JSON-encoded by ``imports.changes``. Undo
    compares the record with ``applied`` first, so it refuses to undo a record that
    someone changed after the import.
    """

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(max_length=8, choices=ChangeAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    row_number = models.PositiveIntegerField(null=True, blank=True)
    applied = models.JSONField(default=dict)
    previous = models.JSONField(default=dict)

    class Meta:
        ordering = ["batch_id", "id"]
        verbose_name = _("import change")
        verbose_name_plural = _("import changes")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.action}:{self.content_type_id}#{self.object_id}"


class ColumnMapping(models.Model):
    """A saved header → field mapping for one file layout.

    ``signature`` is a hash of the normalised header row, so the next file with the
    same columns maps itself; ``name`` lets the CLI pick a mapping with ``--mapping``.
    """

    kind = models.CharField(_("kind"), max_length=32)
    signature = models.CharField(max_length=64)
    name = models.CharField(_("name"), max_length=80, blank=True)
    headers = models.JSONField(_("headers"), default=list)
    columns = models.JSONField(_("columns"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [
            models.UniqueConstraint(fields=["kind", "signature"], name="one_mapping_per_layout")
        ]

    def __str__(self) -> str:
        return self.name or f"{self.kind}:{self.signature[:8]}"


class StageMapping(models.Model):
    """A saved, editable map from another system's stage or activity names to stage codes.

    An empty stage code means "ignore this value"; a value missing from ``stages``
    is reported so ops can add it.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    pipeline = models.ForeignKey("pipeline.Pipeline", on_delete=models.CASCADE, related_name="+")
    stages = models.JSONField(_("stage by source value"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("stage mapping")
        verbose_name_plural = _("stage mappings")

    def __str__(self) -> str:
        return self.name
