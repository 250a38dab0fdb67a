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

from django.core.exceptions import FieldDoesNotExist, ValidationError
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
    MissingYear,
    ValueProblem,
    is_blank,
    normalize_text,
    parse_amount,
    parse_date,
    parse_datetime,
    parse_phone,
    shorten,
)
from salespulse.imports.readers import SheetRow, Table
from salespulse.imports.report import FileReport, RowOutcome, RowProblem
from salespulse.pipeline.services import GateBlocked, record_blocked_attempts


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
    # Load dated stage moves as history from another system, without stage gates
    # (sales operations and administrators only).
    historical: bool = False
    # "web" or "cli": messages that tell the user what to do name that interface's control.
    interface: str = "web"

    @property
    def on_cli(self) -> bool:
        return self.interface == "cli"


def may_import_accounts(actor: User | None) -> bool:
    """Return True if ``actor`` may create users, teams and regions (None is a system import)."""
    return actor is None or actor.is_superuser or actor.role in (Role.OPS, Role.ADMIN)


def may_load_history(actor: User | None) -> bool:
    """Return True if ``actor`` may load stage history that bypasses stage gates."""
    return may_import_accounts(actor)


class UnknownOption(Exception):
    """A choice value that names no configured record; the field is left out with a warning.

    When ``states_outcome`` is False the message only gives the reason, and the row
    importer adds what happened to the field after the write, because only then is it
    known whether the row created a record (field empty) or updated one (value kept).
    """

    def __init__(self, message: str, *, states_outcome: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.states_outcome = states_outcome


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
    # Model whose CharField lengths and DecimalField digits bound the fields of the same name.
    model: type[models.Model] | None = None
    # Amount fields stored in a column of another name: {field: (model, column)}.
    amount_columns: dict[str, tuple[type[models.Model], str]] = {}
    # No import kind writes payments or refunds, so every amount must be zero or more.
    negative_amounts_allowed = False
    # Kinds that create users, teams or regions; only ops and admins may import them.
    creates_accounts = False
    # True for layouts that are exports of another system's history (the Maven set).
    historical_by_layout = False
    # True for importers that write stage history without stage gates (ops and admin only).
    loads_history = False

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
        self._first_row_of_key: dict[object, int] = {}
        self._option_warnings: list[tuple[str, object, UnknownOption]] = []

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
            self.report_unknown_options(row, RowOutcome.REJECTED)
            report.count(RowOutcome.REJECTED)
            return
        self.check_repeated_key(row, values)
        try:
            with transaction.atomic():
                outcome = self.write(values, row)
        except DomainError as error:
            blocked = error if isinstance(error, GateBlocked) else error.__cause__
            if isinstance(blocked, GateBlocked):
                # The row's savepoint rolled the attempt back with it; keep it for the report.
                record_blocked_attempts(blocked)
            column = self.header_of.get(error.field, "") if error.field else ""
            value = str(values.get(error.field, "")) if column else ""
            self.reject(row, column, value, str(error.message))
            outcome = RowOutcome.REJECTED
        self.report_unknown_options(row, outcome)
        report.count(outcome)

    def repeat_key(self, values: dict[str, Any]) -> object:
        """Return what identifies the record this row writes, or None if nothing does."""
        return values.get(self.match_key)

    def check_repeated_key(self, row: SheetRow, values: dict[str, Any]) -> None:
        """Warn when an earlier row of the file has the same match key (this row wins)."""
        key = self.repeat_key(values)
        if key is None:
            return
        first = self._first_row_of_key.setdefault(key, row.number)
        if first == row.number:
            return
        self.warn(
            row,
            self.match_key,
            values[self.match_key],
            _(
                "%(key)s %(value)s also appears in row %(first)s; row %(row)s is imported after it, so its values win."
            )
            % {
                "key": self.header_of.get(self.match_key, self.match_key),
                "value": shorten(values[self.match_key]),
                "first": first,
                "row": row.number,
            },
        )

    def report_unknown_options(self, row: SheetRow, outcome: str) -> None:
        """Warn about unknown option values, saying what happened to each field."""
        for name, raw, unknown in self._option_warnings:
            message = unknown.message
            if not unknown.states_outcome and outcome == RowOutcome.CREATED:
                message = _("%(reason)s %(outcome)s") % {
                    "reason": message,
                    "outcome": _("The field was left empty."),
                }
            elif not unknown.states_outcome and outcome != RowOutcome.REJECTED:
                message = _("%(reason)s %(outcome)s") % {
                    "reason": message,
                    "outcome": _("The existing value was kept."),
                }
            self.warn(row, name, raw, message)
        self._option_warnings = []

    def reject(self, row: SheetRow, field_name: str, value: object, message: str) -> None:
        column = self.header_of.get(field_name, field_name)
        self.context.report.reject(RowProblem(row.number, column, shorten(value), message))

    def warn(self, row: SheetRow, field_name: str, value: object, message: str) -> None:
        column = self.header_of.get(field_name, field_name)
        self.context.report.warn(RowProblem(row.number, column, shorten(value), message))

    def cell(self, row: SheetRow, name: str) -> object:
        index = self.index.get(name)
        return None if index is None else row.cells[index]

    def parse_row(self, row: SheetRow) -> dict[str, Any] | None:
        """Return {field: value} for the non-blank cells, or None after rejecting the row."""
        values: dict[str, Any] = {}
        self._option_warnings = []
        if row.extra:
            self.reject(
                row,
                "",
                ", ".join(normalize_text(cell) for cell in row.extra),
                _(
                    "Row %(row)s has %(count)s more cells than the header row, so its values may be in the wrong columns (often a comma inside a value without quotes). Fix the row and import again."
                )
                % {"row": row.number, "count": len(row.extra)},
            )
            return None
        rejected = False
        for name in self.index:
            raw = self.cell(row, name)
            if is_blank(raw):
                continue
            spec = self.specs[name]
            try:
                values[name] = self.parse_value(spec, raw)
            except ValueProblem as problem:
                self.reject(row, name, raw, problem.message)
                rejected = True
            except UnknownOption as unknown:
                if spec.required:
                    self.reject(
                        row,
                        name,
                        raw,
                        _("%(reason)s %(outcome)s")
                        % {
                            "reason": unknown.message,
                            "outcome": _(
                                "The row was not imported because %(field)s is required."
                            )
                            % {"field": spec.label},
                        },
                    )
                    rejected = True
                else:
                    self._option_warnings.append((name, raw, unknown))
        for spec in self.fields:
            if spec.required and spec.name not in values and not rejected:
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
            column = self.amount_column(spec.name)
            return parse_amount(
                raw,
                bare_scale=self.table.amount_scale,
                max_digits=column.max_digits if column else None,
                decimal_places=column.decimal_places if column else 2,
                allow_negative=self.negative_amounts_allowed,
            )
        if spec.parser in (Parser.DATE, Parser.DATETIME):
            try:
                if spec.parser == Parser.DATE:
                    return parse_date(raw, default_year=options.default_year)
                return parse_datetime(raw, default_year=options.default_year)
            except MissingYear as problem:
                if not options.on_cli:
                    raise
                raise ValueProblem(
                    _(
                        "%(value)s has no year; add the year or run the import again with --default-year, e.g. --default-year 2025."
                    )
                    % {"value": problem.value}
                ) from problem
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

    def amount_column(self, name: str) -> models.DecimalField | None:
        """Return the DecimalField that amount field ``name`` is stored in, if known."""
        model, column = self.amount_columns.get(name, (self.model, name))
        if model is None:
            return None
        try:
            field = model._meta.get_field(column)
        except FieldDoesNotExist:
            return None
        return field if isinstance(field, models.DecimalField) else None

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
                % {"value": shorten(text, 40), "max": limit}
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
                _("%(value)s matches several records; use a unique name or code.")
                % {"value": shorten(text)},
                states_outcome=False,
            )
        if pk is None:
            raise UnknownOption(
                _("%(value)s is not a configured option for %(field)s.")
                % {"value": shorten(text), "field": self.specs[name].label},
                states_outcome=False,
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
