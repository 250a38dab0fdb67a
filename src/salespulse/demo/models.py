"""The record that a demo workspace was generated, so `demo ensure` runs only once."""

from django.db import models


class DemoWorkspace(models.Model):
    """One generated demo workspace. ``row_counts`` maps a model name to rows written."""

    size = models.CharField(max_length=16)
    scale = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    row_counts = models.JSONField(default=dict)
    generation_seconds = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"demo workspace {self.size} x{self.scale} (seed {self.seed})"
