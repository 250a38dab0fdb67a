"""Import services: run an import (dry or committed), save column mappings, undo a batch.

A dry run performs the whole import inside a transaction and rolls it back, so it
reports exactly what a commit would do, including references between files of one
set. A commit of several files is all or nothing. Every file is read and its kind
checked before anything is written. All files are then written in one transaction
(``transaction.atomic``), so a file that fails rolls back the files before it.
Rows that are rejected are reported and left out; they do not fail the file.

Every import acts for a user (``actor``): it matches and references only the
records that user may see. ``actor=None`` is a system import (the CLI without
``--user``) that sees every record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from pathlib import Path

from django.db import DatabaseError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from salespulse.accounts.models import User
from salespulse.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from salespulse.crm.models import Opportunity
from salespulse.imports.changes import ChangeRecorder, encode_value
from salespulse.imports.headers import (
    FIELDS_BY_KIND,
    auto_map,
    detect_kind,
    fixed_layout,
    layout_signature,
    normalize_header,
)
from salespulse.imports.importers.base import (
    ImportContext,
    ImportOptions,
    RowImporter,
    may_import_accounts,
    may_load_history,
)
from salespulse.imports.importers.bpic import BPIC_COLUMNS, BpicHistoryImporter, history_of
from salespulse.imports.importers.maven import LAYOUT_ORDER, MAVEN_LAYOUTS
from salespulse.imports.importers.opportunities import OpportunityImporter
from salespulse.imports.importers.records import (
    ContactImporter,
    CustomerImporter,
    InteractionImporter,
    LeadImporter,
    ProductImporter,
)
from salespulse.imports.lookups import Lookups
from salespulse.imports.models import (
    BatchStatus,
    ChangeAction,
    ColumnMapping,
    ImportBatch,
    ImportChange,
)
from salespulse.imports.readers import Table, read_table
from salespulse.imports.report import FileReport, RowProblem
from salespulse.pipeline.models import MoveSource, Pipeline, Stage
from salespulse.pipeline.services import (
    HistoricalMove,
    load_stage_history,
    move_opportunity_to_stage,
)

logger = logging.getLogger(__name__)

IMPORTERS: dict[str, type[RowImporter]] = {
    "customers": CustomerImporter,
    "opportunities": OpportunityImporter,
    "contacts": ContactImporter,
    "leads": LeadImporter,
    "products": ProductImporter,
    "interactions": InteractionImporter,
}
KINDS = [*IMPORTERS, "crm_maven", "bpic_history"]


class _DryRunRollback(Exception):
    """Raised inside the dry-run transaction to roll it back."""


def import_files(
    *, paths: list[Path], actor: User | None, options: ImportOptions, dry_run: bool
) -> list[FileReport]:
    """Import several files in dependency order (e.g. sales teams before the pipeline).

    A commit raises DomainError, naming the file, if any file cannot be read or
    imported, and then nothing of any file is written. A dry run reports every
    file: one that cannot be read or recognised gets a report with ``failure`` set.
    """
    if dry_run:
        return _dry_run_files(paths=paths, actor=actor, options=options)

    tables = [(path, _read_or_fail(path, options)) for path in paths]
    tables.sort(key=lambda item: _file_order(item[1]))
    check_mapped_columns([table for _path, table in tables], options.columns)
    for _path, table in tables:
        try:
            prepare_table(table=table, actor=actor, options=options)
        except DomainError as error:
            raise _file_failed(table.file_name, error) from error
    reports: list[FileReport] = []
    with transaction.atomic():
        for path, table in tables:
            try:
                reports.append(
                    import_table(
                        table=table,
                        actor=actor,
                        options=options,
                        dry_run=False,
                        file_sha256=_sha256(path),
                    )
                )
            except DomainError as error:
                raise _file_failed(table.file_name, error) from error
            except DatabaseError as error:
                logger.exception("import of %s failed in the database", table.file_name)
                raise _file_failed(
                    table.file_name,
                    DomainError(
                        "database_error",
                        _("The database rejected the data (%(error)s).") % {"error": error},
                    ),
                ) from error
    return reports


def _dry_run_files(
    *, paths: list[Path], actor: User | None, options: ImportOptions
) -> list[FileReport]:
    failed: list[FileReport] = []
    tables: list[tuple[Path, Table]] = []
    for path in paths:
        try:
            tables.append((path, read_table(path, sheet=options.sheet)))
        except DomainError as error:
            failed.append(FileReport(file_name=path.name, dry_run=True, failure=error.message))
    tables.sort(key=lambda item: _file_order(item[1]))
    if tables:
        check_mapped_columns([table for _path, table in tables], options.columns)
    reports: list[FileReport] = []
    try:
        with transaction.atomic():
            for path, table in tables:
                try:
                    reports.append(
                        import_table(
                            table=table,
                            actor=actor,
                            options=options,
                            dry_run=True,
                            file_sha256=_sha256(path),
                        )
                    )
                except DomainError as error:
                    reports.append(
                        FileReport(file_name=table.file_name, dry_run=True, failure=error.message)
                    )
            raise _DryRunRollback
    except _DryRunRollback:
        pass
    return failed + reports


def _read_or_fail(path: Path, options: ImportOptions) -> Table:
    try:
        return read_table(path, sheet=options.sheet)
    except DomainError as error:
        raise _file_failed(path.name, error) from error


def _file_failed(file_name: str, error: DomainError) -> DomainError:
    """Wrap ``error`` in a message that names the failed file and states that nothing was imported."""
    return type(error)(
        error.code,
        _("Nothing was imported, because file %(file)s failed: %(reason)s")
        % {"file": file_name, "reason": error.message},
        field=error.field,
        params={**error.params, "file": file_name},
    )


def import_file(
    *,
    path: Path,
    actor: User | None,
    options: ImportOptions,
    dry_run: bool,
    file_name: str | None = None,
) -> FileReport:
    table = read_table(path, file_name=file_name, sheet=options.sheet)
    if not dry_run:
        return import_table(
            table=table, actor=actor, options=options, dry_run=False, file_sha256=_sha256(path)
        )
    reports: list[FileReport] = []
    try:
        with transaction.atomic():
            reports.append(
                import_table(
                    table=table,
                    actor=actor,
                    options=options,
                    dry_run=True,
                    file_sha256=_sha256(path),
                )
            )
            raise _DryRunRollback
    except _DryRunRollback:
        pass
    return reports[0]


def _file_order(table: Table) -> int:
    layout = fixed_layout(table.headers)
    if layout and layout[0] == "crm_maven":
        return LAYOUT_ORDER.index(layout[1])
    return len(LAYOUT_ORDER)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_importer(
    table: Table, options: ImportOptions
) -> tuple[str, str, type[RowImporter] | None, dict]:
    """Return (kind, layout, importer class, {header: field}) for ``table``."""
    fixed = fixed_layout(table.headers)
    if fixed and options.kind in (None, fixed[0]):
        kind, layout = fixed
        if kind == "bpic_history":
            return kind, layout, BpicHistoryImporter, _by_header(table, BPIC_COLUMNS)
        importer, columns = MAVEN_LAYOUTS[layout]
        return kind, layout, importer, _by_header(table, columns)

    kind = options.kind or detect_kind(table.headers)
    if kind is None:
        if options.on_cli:
            message = _(
                "Cannot tell what file %(file)s contains from its columns (%(headers)s); name the kind of data with --kind, e.g. --kind customers."
            )
        else:
            message = _(
                "Cannot tell what file %(file)s contains from its columns (%(headers)s); choose the kind of data to import."
            )
        raise DomainError(
            "unknown_layout",
            message % {"file": table.file_name, "headers": "、".join(table.headers[:12])},
            field="kind",
        )
    if kind not in IMPORTERS:
        raise DomainError(
            "layout_mismatch",
            _("File %(file)s does not have the columns of a %(kind)s file.")
            % {"file": table.file_name, "kind": kind},
            field="kind",
        )
    return kind, "", IMPORTERS[kind], column_mapping(table, kind, options)


def _by_header(table: Table, columns: dict[str, str]) -> dict[str, str]:
    lowered = {header.strip().casefold(): header for header in table.headers}
    return {lowered[source]: target for source, target in columns.items() if source in lowered}


def column_mapping(table: Table, kind: str, options: ImportOptions) -> dict[str, str]:
    """Return {header: field}: a named or saved mapping, else synonyms, then the user's overrides."""
    if options.mapping_name:
        saved = ColumnMapping.objects.filter(name=options.mapping_name).first()
        if saved is None:
            names = list(ColumnMapping.objects.exclude(name="").values_list("name", flat=True))
            raise NotFound(
                "mapping_not_found",
                _("There is no saved column mapping named %(name)s; saved mappings: %(names)s.")
                % {"name": options.mapping_name, "names": "、".join(names) or "-"},
                field="mapping",
            )
        mapping = dict(saved.columns)
    else:
        saved = ColumnMapping.objects.filter(
            kind=kind, signature=layout_signature(table.headers)
        ).first()
        mapping = dict(saved.columns) if saved else auto_map(table.headers, FIELDS_BY_KIND[kind])
    for header, field_name in _resolve_overrides(table, kind, options.columns).items():
        if field_name:
            mapping = {h: f for h, f in mapping.items() if f != field_name}
            mapping[header] = field_name
        else:
            mapping.pop(header, None)
    return {header: name for header, name in mapping.items() if header in table.headers}


def _resolve_overrides(table: Table, kind: str, columns: dict[str, str]) -> dict[str, str]:
    """Return the user's {column: field} choices for the columns ``table`` has.

    A column is found by its exact header or its normalised form, so ``--map
    "客户 名称=name"`` finds 客户名称. A column the file lacks is skipped, because the
    CLI applies one ``--map`` to several files; ``check_mapped_columns`` reports a
    column that no file has. A field that ``kind`` does not have is an error.
    """
    names = [spec.name for spec in FIELDS_BY_KIND[kind]]
    by_normalised = {normalize_header(header): header for header in table.headers}
    resolved: dict[str, str] = {}
    for column, field_name in columns.items():
        header = column if column in table.headers else by_normalised.get(normalize_header(column))
        if header is None:
            continue
        if field_name and field_name not in names:
            raise DomainError(
                "unknown_field",
                _("%(field)s is not a field of a %(kind)s import; use one of: %(fields)s.")
                % {"field": field_name, "kind": kind, "fields": ", ".join(names)},
                field="columns",
            )
        resolved[header] = field_name
    return resolved


def check_mapped_columns(tables: list[Table], columns: dict[str, str]) -> None:
    """Raise DomainError for a mapped column that none of ``tables`` has."""
    for column in columns:
        wanted = normalize_header(column)
        if not any(
            wanted == normalize_header(header) for table in tables for header in table.headers
        ):
            headers = "、".join(dict.fromkeys(h for table in tables for h in table.headers))
            raise DomainError(
                "unknown_column",
                _("No file has a column %(column)s; the columns are: %(columns)s.")
                % {"column": column, "columns": headers},
                field="columns",
            )


def save_column_mapping(
    *, table: Table, kind: str, columns: dict[str, str], actor: User | None, name: str = ""
) -> ColumnMapping:
    mapping, _created = ColumnMapping.objects.update_or_create(
        kind=kind,
        signature=layout_signature(table.headers),
        defaults={
            "headers": table.headers,
            "columns": columns,
            "updated_by": actor,
            **({"name": name} if name else {}),
        },
    )
    return mapping


def import_table(
    *,
    table: Table,
    actor: User | None,
    options: ImportOptions,
    dry_run: bool,
    file_sha256: str = "",
) -> FileReport:
    """Import one read table; on commit, returns the report with its ``batch_id``."""
    started = time.monotonic()
    kind, layout, importer_class, columns = prepare_table(
        table=table, actor=actor, options=options
    )
    report = FileReport(
        file_name=table.file_name, kind=kind, layout=layout, dry_run=dry_run, columns=columns
    )
    report.unmapped = [header for header in table.headers if header not in columns]
    report.notes.extend(
        RowProblem(note.row, note.column, note.value, note.message) for note in table.notes
    )
    if importer_class is None:
        report.notes.append(
            RowProblem(
                None, "", table.file_name, _("This file describes the data set; nothing to import.")
            )
        )
        return report

    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=kind, file_name=table.file_name[:255], file_sha256=file_sha256, created_by=actor
        )
        context = ImportContext(
            actor=actor,
            batch=batch,
            options=options,
            report=report,
            lookups=Lookups(Pipeline.objects.get(is_default=True), actor),
            recorder=ChangeRecorder(batch),
        )
        importer_class(context, table, columns).run()
        report.seconds = time.monotonic() - started
        batch.created_count, batch.updated_count = report.created, report.updated
        batch.unchanged_count, batch.rejected_count = report.unchanged, report.rejected
        batch.report = report.as_dict()
        batch.save()
        if kind in IMPORTERS and not dry_run:
            save_column_mapping(
                table=table,
                kind=kind,
                columns=columns,
                actor=actor,
                name=options.mapping_name or "",
            )
    if not dry_run:
        report.batch_id = batch.pk
    logger.info(
        "import batch %s (%s, dry run %s) by user %s: %s created, %s updated, %s unchanged, %s rejected in %.1fs",
        batch.pk,
        kind,
        dry_run,
        getattr(actor, "pk", None),
        report.created,
        report.updated,
        report.unchanged,
        report.rejected,
        report.seconds,
    )
    return report


def prepare_table(
    *, table: Table, actor: User | None, options: ImportOptions
) -> tuple[str, str, type[RowImporter] | None, dict]:
    """Resolve what ``table`` contains and check that ``actor`` may import it; writes nothing.

    Raises DomainError when the kind cannot be detected, a required column is not
    mapped, the file has no data rows, or the actor's role may not import the kind.
    """
    kind, layout, importer_class, columns = resolve_importer(table, options)
    if importer_class is None:
        return kind, layout, importer_class, columns
    if not table.rows:
        raise DomainError(
            "no_data_rows",
            _(
                "File %(file)s has a header row but no data rows; add the rows to import below the header."
            )
            % {"file": table.file_name},
            field="file",
        )
    _check_permissions(importer_class, table, options, actor)
    _check_required(importer_class, columns, table, options)
    return kind, layout, importer_class, columns


def _check_permissions(
    importer_class: type[RowImporter], table: Table, options: ImportOptions, actor: User | None
) -> None:
    """Raise ``PermissionDenied`` when ``actor``'s role may not import ``table`` this way."""
    # Each rule: (applies, role check, error code, message, field the user changes).
    rules = [
        (
            options.historical,
            may_load_history,
            "history_import_not_allowed",
            _(
                "Loading stage history without stage gates is for sales operations or administrators; import file %(file)s without that option."
            ),
            "historical",
        ),
        (
            importer_class.loads_history,
            may_load_history,
            "history_import_not_allowed",
            _(
                "File %(file)s is a stage history from another system, which is loaded without stage gates; only sales operations or administrators may import it."
            ),
            "file",
        ),
        (
            importer_class.creates_accounts,
            may_import_accounts,
            "import_not_allowed",
            _(
                "File %(file)s creates users, teams and regions, which only sales operations or administrators may import. Ask them to import it."
            ),
            "file",
        ),
    ]
    for applies, role_may, code, message, field_name in rules:
        if applies and not role_may(actor):
            raise PermissionDenied(code, message % {"file": table.file_name}, field=field_name)


def _check_required(
    importer_class: type[RowImporter], columns: dict[str, str], table: Table, options: ImportOptions
) -> None:
    mapped = set(columns.values())
    # The CLI user types field names after --map, so the message shows them too.
    missing = [
        f"{spec.label} ({spec.name})" if options.on_cli else str(spec.label)
        for spec in importer_class.fields
        if spec.required and spec.name not in mapped
    ]
    if missing:
        if options.on_cli:
            message = _(
                'File %(file)s has no column for %(fields)s; map a column to it with --map "column=field" and try again.'
            )
        else:
            message = _(
                "File %(file)s has no column for %(fields)s; map a column to it and try again."
            )
        raise DomainError(
            "required_column_missing",
            message % {"file": table.file_name, "fields": "、".join(missing)},
            field="columns",
        )


# Undo


def undo_import_batch(*, batch_id: int, actor: User | None) -> ImportBatch:
    """Delete what the batch created and restore what it updated, unless changed since."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None:
            raise NotFound(
                "batch_not_found", _("Import batch %(id)s does not exist.") % {"id": batch_id}
            )
        if batch.status == BatchStatus.UNDONE:
            raise Conflict(
                "batch_already_undone",
                _("Import batch %(id)s was already undone.") % {"id": batch_id},
            )
        changes = list(batch.changes.select_related("content_type").order_by("-id"))
        instances = {change.pk: _instance_of(change) for change in changes}
        for change in changes:
            _check_unchanged(batch, change, instances[change.pk])
        for change in changes:
            _reverse(batch, change, instances[change.pk], actor)
        batch.status = BatchStatus.UNDONE
        batch.undone_at = timezone.now()
        batch.save(update_fields=["status", "undone_at"])
    logger.info(
        "import batch %s undone by user %s (%s changes)",
        batch.pk,
        getattr(actor, "pk", None),
        len(changes),
    )
    return batch


def _instance_of(change: ImportChange):
    model = change.content_type.model_class()
    return model.objects.filter(pk=change.object_id).first()


def _current(instance, name: str) -> object:
    if name == "history":
        return history_of(instance)
    return encode_value(getattr(instance, name))


def _check_unchanged(batch: ImportBatch, change: ImportChange, instance) -> None:
    if instance is None:
        return
    changed = [name for name, value in change.applied.items() if _current(instance, name) != value]
    if changed:
        raise Conflict(
            "changed_after_import",
            _(
                "Cannot undo import batch %(id)s: %(record)s (row %(row)s) was changed after the import (%(fields)s). Undo those changes first or edit the record by hand."
            )
            % {
                "id": batch.pk,
                "record": str(instance),
                "row": change.row_number or "-",
                "fields": ", ".join(changed),
            },
            params={"object_id": change.object_id},
        )


def _reverse(batch: ImportBatch, change: ImportChange, instance, actor: User | None) -> None:
    if instance is None:
        return
    if change.action == ChangeAction.CREATED:
        try:
            instance.delete()
        except ProtectedError as error:
            raise Conflict(
                "undo_blocked_by_reference",
                _(
                    "Cannot undo import batch %(id)s: %(record)s is used by records added later. Undo the later import first."
                )
                % {"id": batch.pk, "record": str(instance)},
            ) from error
        return

    previous = dict(change.previous)
    stage_id = previous.pop("stage_id", None)
    history = previous.pop("history", None)
    model = type(instance)
    if previous:
        fields = {name: _decode(model, name, value) for name, value in previous.items()}
        model.objects.filter(pk=instance.pk).update(**fields)
    if isinstance(instance, Opportunity) and history is not None:
        stages = {
            stage.pk: stage for stage in Stage.objects.filter(pipeline_id=instance.pipeline_id)
        }
        moves = [
            HistoricalMove(stage=stages[stage], entered_at=dt.datetime.fromisoformat(at))
            for stage, at in history
        ]
        instance.refresh_from_db()
        load_stage_history(opportunity=instance, moves=moves, import_batch=None)
    if isinstance(instance, Opportunity) and stage_id is not None:
        instance.refresh_from_db()
        move_opportunity_to_stage(
            opportunity=instance,
            to_stage=Stage.objects.get(pk=stage_id),
            actor=actor,
            source=MoveSource.IMPORT,
            reason=_("Undo of import batch %(id)s") % {"id": batch.pk},
        )


def _decode(model, name: str, value: object) -> object:
    field = model._meta.get_field(name)
    return value if value is None or field.is_relation else field.to_python(value)


def batch_for_user(*, batch_id: int, user: User) -> ImportBatch:
    """Return the batch if ``user`` ran it or may see every record."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or not (user.sees_everything or batch.created_by_id == user.pk):
        raise NotFound(
            "batch_not_found", _("Import batch %(id)s does not exist.") % {"id": batch_id}
        )
    return batch
