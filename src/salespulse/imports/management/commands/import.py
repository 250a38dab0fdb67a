"""`salespulse import FILE... [--dry-run]`: import CSV/XLSX files, or undo a batch.

Several files are imported all or nothing: if one fails, none is written.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from salespulse.accounts.models import User
from salespulse.core.errors import DomainError
from salespulse.imports.importers.base import ImportOptions
from salespulse.imports.report import FileReport
from salespulse.imports.services import KINDS, import_files, undo_import_batch

# Rejected rows and warnings printed per file; the rest are counted.
SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    help = "Import customers, opportunities, leads, contacts, products or interactions from CSV/XLSX files."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="*", type=Path, help="CSV or XLSX files to import.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change and write nothing."
        )
        parser.add_argument(
            "--kind",
            choices=KINDS,
            help="What the files contain; detected from the headers if omitted.",
        )
        parser.add_argument(
            "--match-key",
            help="Field that identifies existing records, e.g. external_id, name, phone.",
        )
        parser.add_argument(
            "--mapping", help="Name of a saved column mapping to use (and to save this mapping as)."
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help=(
                'Map a column of the file to a field, e.g. --map "客户名称=name"; repeat for '
                'several columns, or write "COLUMN=" to leave a column out. A committed import '
                "saves the mapping for files with the same columns, as the upload page does."
            ),
        )
        parser.add_argument(
            "--user",
            help=(
                "Username of the person the import acts for: it matches and references only "
                "the records that user may see, and only ops and admins may import users, "
                "teams and regions. Without --user the import runs as a system import that "
                "sees every record."
            ),
        )
        parser.add_argument(
            "--sheet", help="Worksheet to read from an XLSX file (default: the first)."
        )
        parser.add_argument(
            "--default-year", type=int, help="Year for dates written without one, e.g. 3月12日."
        )
        parser.add_argument(
            "--accept-close-matches",
            action="store_true",
            help="Use the closest existing product when a product name does not match exactly.",
        )
        parser.add_argument(
            "--historical",
            action="store_true",
            help="Load stage moves dated in the file (close dates) as history from another system, "
            "without stage gates. Sales operations and administrators only.",
        )
        parser.add_argument(
            "--undo", type=int, metavar="BATCH_ID", help="Undo a committed import batch."
        )

    def handle(self, *args, **options) -> None:
        actor = self.actor(options["user"])
        try:
            if options["undo"] is not None:
                batch = undo_import_batch(batch_id=options["undo"], actor=actor)
                self.stdout.write(_("Import batch %(id)s was undone.") % {"id": batch.pk})
                return
            if not options["files"]:
                raise CommandError(_("Name at least one file to import, or --undo BATCH_ID."))
            missing = [str(path) for path in options["files"] if not path.is_file()]
            if missing:
                raise CommandError(_("File not found: %(files)s") % {"files": ", ".join(missing)})
            import_options = ImportOptions(
                kind=options["kind"],
                match_key=options["match_key"],
                mapping_name=options["mapping"],
                columns=self.column_map(options["map"]),
                sheet=options["sheet"],
                default_year=options["default_year"],
                accept_close_matches=options["accept_close_matches"],
                historical=options["historical"],
                interface="cli",
            )
            reports = import_files(
                paths=options["files"],
                actor=actor,
                options=import_options,
                dry_run=options["dry_run"],
            )
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        for report in reports:
            self.print_report(report)
        batch_ids = [str(report.batch_id) for report in reports if report.batch_id]
        if batch_ids:
            self.stdout.write(
                _("Committed import batches: %(ids)s (undo one with --undo BATCH_ID).")
                % {"ids": ", ".join(batch_ids)}
            )
        failed = [report.file_name for report in reports if report.failure]
        if failed:
            raise CommandError(
                _("%(count)s of %(total)s files cannot be imported: %(files)s.")
                % {"count": len(failed), "total": len(reports), "files": ", ".join(failed)}
            )

    def column_map(self, pairs: list[str]) -> dict[str, str]:
        """Return {column: field} from --map values written as COLUMN=FIELD."""
        columns: dict[str, str] = {}
        for pair in pairs:
            column, separator, field_name = pair.rpartition("=")
            if not separator or not column.strip():
                raise CommandError(
                    _('--map %(value)s is not COLUMN=FIELD; write it as --map "客户名称=name".')
                    % {"value": pair}
                )
            columns[column.strip()] = field_name.strip()
        return columns

    def actor(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("There is no user named %(username)s.") % {"username": username})
        return user

    def print_report(self, report: FileReport) -> None:
        if report.failure:
            self.stdout.write(
                _("%(file)s: cannot be imported: %(reason)s")
                % {"file": report.file_name, "reason": report.failure}
            )
            return
        heading = _(
            "%(file)s (%(kind)s): %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected, %(seconds)ss"
        ) % {
            "file": report.file_name,
            "kind": report.layout or report.kind,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": report.rejected,
            "seconds": f"{report.seconds:.1f}",
        }
        if report.dry_run:
            heading = _("[dry run] %(summary)s") % {"summary": heading}
        elif report.batch_id:
            heading = _("%(summary)s; batch %(id)s") % {"summary": heading, "id": report.batch_id}
        self.stdout.write(heading)
        for label, problems in (
            (_("rejected"), report.errors),
            (_("warning"), report.warnings),
            (_("note"), report.notes),
        ):
            for problem in problems[:SHOWN_PROBLEMS]:
                self.stdout.write(
                    _("  %(label)s row %(row)s, %(column)s = %(value)s: %(message)s")
                    % {
                        "label": label,
                        "row": problem.row or "-",
                        "column": problem.column or "-",
                        "value": problem.value,
                        "message": problem.message,
                    }
                )
            if len(problems) > SHOWN_PROBLEMS:
                self.stdout.write(
                    _("  … and %(count)s more (%(label)s)")
                    % {"count": len(problems) - SHOWN_PROBLEMS, "label": label}
                )
