"""Import batches: every import is a batch that records what it changed, so it can be undone."""

from django.conf import settings
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
    status = models.CharField(_("status"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.COMMITTED)
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
