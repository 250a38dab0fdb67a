"""Record what a batch writes, so that undo can reverse it exactly.

Field values are stored by attribute name (``tier_id``, not ``tier``) in a JSON form
that compares equal whenever the database values are equal: Decimals and dates as
strings, datetimes as UTC ISO strings.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from salespulse.imports.models import ChangeAction, ImportBatch, ImportChange

# Changes are buffered and written with bulk_create in chunks of this size.
FLUSH_EVERY = 500


def encode_value(value: object) -> object:
    if isinstance(value, Decimal):
        return (
            str(value.quantize(Decimal("0.01"))) if value.as_tuple().exponent >= -2 else str(value)
        )
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def encode_fields(instance: models.Model, attnames: list[str]) -> dict[str, object]:
    return {name: encode_value(getattr(instance, name)) for name in attnames}


class ChangeRecorder:
    """Collects the ImportChange rows of one batch and writes them in bulk."""

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch
        self._pending: list[ImportChange] = []
        self._types: dict[type, ContentType] = {}

    def _content_type(self, model: type[models.Model]) -> ContentType:
        if model not in self._types:
            self._types[model] = ContentType.objects.get_for_model(model)
        return self._types[model]

    def created(self, instance: models.Model, attnames: list[str], row: int | None) -> None:
        self._add(instance, ChangeAction.CREATED, encode_fields(instance, attnames), {}, row)

    def updated(
        self, instance: models.Model, applied: dict, previous: dict, row: int | None
    ) -> None:
        encoded_applied = {name: encode_value(value) for name, value in applied.items()}
        encoded_previous = {name: encode_value(value) for name, value in previous.items()}
        self._add(instance, ChangeAction.UPDATED, encoded_applied, encoded_previous, row)

    def _add(
        self, instance: models.Model, action: str, applied: dict, previous: dict, row: int | None
    ) -> None:
        self._pending.append(
            ImportChange(
                batch=self.batch,
                action=action,
                content_type=self._content_type(type(instance)),
                object_id=instance.pk,
                row_number=row,
                applied=applied,
                previous=previous,
            )
        )
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        ImportChange.objects.bulk_create(self._pending)
        self._pending = []


def diff_fields(instance: models.Model, values: dict[str, object]) -> tuple[dict, dict]:
    """Return (new values, old values) for the attributes in ``values`` that differ."""
    applied: dict[str, object] = {}
    previous: dict[str, object] = {}
    for name, value in values.items():
        current = getattr(instance, name)
        if encode_value(current) != encode_value(value):
            applied[name] = value
            previous[name] = current
    return applied, previous
