"""The row loop shared by every import kind: parse each cell, then create or update.

A row with a value that cannot be parsed is rejected as a whole (nothing of it is
written). An option value that names no configured record (a tier ``S类``, an
unknown channel or owner) only leaves that field out, with a warning, so it never
overwrites good data with a default. Each row is written in its own savepoint, so a
row that fails half-way leaves nothing behind while the other rows go on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salespulse.accounts.models import Role, User
from salespulse.core.errors import DomainError
from salespulse.imports.changes import ChangeRecorder, diff_fields
from salespulse.imports.headers import FieldSpec, Parser
from salespulse.imports.lookups import AMBIGUOUS, Lookups
from salespulse.imports.models import ImportBatch
from salespulse.imports.normalize import (
    ValueProblem,
    is_blank,
    normalize_text,
    parse_amount,
    parse_date,
    parse_datetime,
    parse_phone,
)
from salespulse.imports.readers import SheetRow, Table
from salespulse.imports.report import FileReport, RowOutcome, RowProblem


@dataclass
class ImportOptions:
    """What the user chose for an import (CLI flags or upload-page fields)."""

    kind: str | None = None
    match_key: str | None = None
    mapping_name: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    default_year: int | None = None
    accept_close_matches: bool = False


class UnknownOption(Exception):
    """A choice value that names no configured record; the field is left out with a warning."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ImportContext:
    actor: User | None
    batch: ImportBatch
    options: ImportOptions
    report: FileReport
    lookups: Lookups
    recorder: ChangeRecorder
    now: dt.datetime = field(default_factory=timezone.now)


class RowImporter:
    """Base class: subclasses set ``fields``/``match_keys`` and implement ``write``."""

    kind = ""
    fields: list[FieldSpec] = []
    match_keys: tuple[str, ...] = ()
    # Model whose CharField lengths bound the text fields of the same name.
    model: type[models.Model] | None = None

    def __init__(self, context: ImportContext, table: Table, columns: dict[str, str]) -> None:
        self.context = context
        self.table = table
        self.columns = columns
        self.specs = {spec.name: spec for spec in self.fields}
        self.index = {
            name: table.headers.index(header)
            for header, name in columns.items()
            if name in self.specs and header in table.headers
        }
        self.header_of = {name: header for header, name in columns.items()}
        self.match_key = self.choose_match_key()

    def choose_match_key(self) -> str:
        requested = self.context.options.match_key
        if requested:
            if requested not in self.match_keys:
                raise DomainError(
                    "invalid_match_key",
                    _(
                        "%(key)s cannot identify existing records for this import; choose one of: %(keys)s."
                    )
                    % {"key": requested, "keys": ", ".join(self.match_keys)},
                    field="match_key",
                )
            if requested not in self.index:
                raise DomainError(
                    "match_key_not_mapped",
                    _("The match key %(key)s is not one of the file's mapped columns.")
                    % {"key": requested},
                    field="match_key",
                )
            return requested
        return next((key for key in self.match_keys if key in self.index), self.match_keys[-1])

    # Row loop

    def run(self) -> None:
        for row in self.table.rows:
            self.import_row(row)
        self.context.recorder.flush()

    def import_row(self, row: SheetRow) -> None:
        report = self.context.report
        values = self.parse_row(row)
        if values is None:
            report.count(RowOutcome.REJECTED)
            return
        try:
            with transaction.atomic():
                outcome = self.write(values, row)
        except DomainError as error:
            self.reject(row, "", "", str(error.message))
            report.count(RowOutcome.REJECTED)
            return
        report.count(outcome)

    def reject(self, row: SheetRow, field_name: str, value: object, message: str) -> None:
        column = self.header_of.get(field_name, field_name)
        self.context.report.reject(RowProblem(row.number, column, normalize_text(value), message))

    def warn(self, row: SheetRow, field_name: str, value: object, message: str) -> None:
        column = self.header_of.get(field_name, field_name)
        self.context.report.warn(RowProblem(row.number, column, normalize_text(value), message))

    def cell(self, row: SheetRow, name: str) -> object:
        index = self.index.get(name)
        return None if index is None else row.cells[index]

    def parse_row(self, row: SheetRow) -> dict[str, Any] | None:
        """Return {field: value} for the non-blank cells, or None after rejecting the row."""
        values: dict[str, Any] = {}
        rejected = False
        for name in self.index:
            raw = self.cell(row, name)
            if is_blank(raw):
                continue
            try:
                values[name] = self.parse_value(self.specs[name], raw)
            except ValueProblem as problem:
                self.reject(row, name, raw, problem.message)
                rejected = True
            except UnknownOption as unknown:
                self.warn(row, name, raw, unknown.message)
        for spec in self.fields:
            if spec.required and spec.name not in values and not rejected:
                raw = self.cell(row, spec.name)
                if spec.parser == Parser.CHOICE and not is_blank(raw):
                    continue  # already warned about the unknown value
                self.reject(
                    row,
                    spec.name,
                    "",
                    _("%(field)s is required but empty.") % {"field": spec.label},
                )
                rejected = True
        return None if rejected else values

    def parse_value(self, spec: FieldSpec, raw: object) -> Any:
        options = self.context.options
        if spec.parser == Parser.AMOUNT:
            return parse_amount(raw, bare_scale=self.table.amount_scale)
        if spec.parser == Parser.DATE:
            return parse_date(raw, default_year=options.default_year)
        if spec.parser == Parser.DATETIME:
            return parse_datetime(raw, default_year=options.default_year)
        if spec.parser == Parser.PHONE:
            return parse_phone(raw)
        if spec.parser == Parser.CHOICE:
            return self.resolve_choice(spec.name, normalize_text(raw))
        text = normalize_text(raw)
        if spec.parser == Parser.EMAIL:
            try:
                validate_email(text)
            except ValidationError as error:
                raise ValueProblem(
                    _("%(value)s is not a valid e-mail address.") % {"value": text}
                ) from error
        self.check_length(spec, text)
        return text

    def check_length(self, spec: FieldSpec, text: str) -> None:
        if self.model is None:
            return
        try:
            limit = self.model._meta.get_field(spec.name).max_length
        except Exception:  # noqa: BLE001 - a field without a model column has no limit
            return
        if limit and len(text) > limit:
            raise ValueProblem(
                _("%(value)s is longer than the %(max)s characters allowed.")
                % {"value": text[:40], "max": limit}
            )

    def resolve_choice(self, name: str, text: str) -> Any:
        table = {
            "owner": "users",
            "customer": "customers",
            "channel": "channels",
            "tier": "tiers",
            "region": "regions",
            "product_line": "product_lines",
            "product": "products",
        }[name]
        pk = self.context.lookups.find(table, text)
        if pk == AMBIGUOUS:
            raise UnknownOption(
                _(
                    "%(value)s matches several records; the field was left empty. Use a unique name or code."
                )
                % {"value": text}
            )
        if pk is None:
            raise UnknownOption(
                _("%(value)s is not a configured option for %(field)s; the field was left empty.")
                % {"value": text, "field": self.specs[name].label}
            )
        return pk

    # Writing

    def write(self, values: dict[str, Any], row: SheetRow) -> str:
        raise NotImplementedError

    def default_owner_id(self) -> int | None:
        """A rep's own import is owned by the rep; other roles leave the owner empty."""
        actor = self.context.actor
        return actor.pk if actor is not None and actor.role == Role.REP else None

    def upsert(
        self,
        model: type[models.Model],
        existing: models.Model | None,
        attributes: dict[str, Any],
        row: SheetRow,
        create_defaults: dict[str, Any] | None = None,
    ) -> tuple[models.Model, str]:
        """Create ``model`` with ``attributes`` or update ``existing``, recording the change."""
        recorder = self.context.recorder
        if existing is None:
            instance = model.objects.create(**attributes, **(create_defaults or {}))
            recorder.created(instance, list(attributes), row.number)
            return instance, RowOutcome.CREATED
        applied, previous = diff_fields(existing, attributes)
        if not applied:
            return existing, RowOutcome.UNCHANGED
        extra = {"updated_at": self.context.now} if _has_field(model, "updated_at") else {}
        model.objects.filter(pk=existing.pk).update(**applied, **extra)
        for name, value in applied.items():
            setattr(existing, name, value)
        recorder.updated(existing, applied, previous, row.number)
        return existing, RowOutcome.UPDATED


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(field.name == name for field in model._meta.get_fields())


def combine(*outcomes: str) -> str:
    """Return the row outcome of several writes: created beats updated beats unchanged."""
    for outcome in (RowOutcome.CREATED, RowOutcome.UPDATED):
        if outcome in outcomes:
            return outcome
    return RowOutcome.UNCHANGED


def find_one(queryset: models.QuerySet, description: str, value: object) -> models.Model | None:
    matches = list(queryset[:2])
    if len(matches) > 1:
        raise DomainError(
            "ambiguous_match",
            _(
                "Several existing records have %(key)s %(value)s; choose a match key that is unique, such as the external id."
            )
            % {"key": description, "value": value},
        )
    return matches[0] if matches else None
