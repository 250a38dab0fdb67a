"""``salespulse pipeline export|import|schema``: pipeline templates from the shell."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from salespulse.core.errors import DomainError
from salespulse.pipeline.models import Pipeline
from salespulse.pipeline.template_documents import TEMPLATE_SCHEMA, dump_template, export_pipeline, import_template
from salespulse.pipeline.template_presenters import describe_template_diff


class Command(BaseCommand):
    help = "Export or import a pipeline template (stages, document types, gates) as JSON, or print its JSON Schema."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)

        export = actions.add_parser("export", help="Write the template of one pipeline.")
        export.add_argument("code", help="Pipeline code, e.g. medical_device.")
        export.add_argument("-o", "--output", help="File to write; standard output when omitted.")

        load = actions.add_parser("import", help="Import a template file; prints what changes.")
        load.add_argument("file", help="Template file (UTF-8 JSON).")
        load.add_argument("--dry-run", action="store_true", help="Print the changes without saving them.")

        actions.add_parser("schema", help="Print the JSON Schema that templates are validated against.")

    def handle(self, *args, action: str, **options) -> None:
        try:
            {"export": self._export, "import": self._import, "schema": self._schema}[action](**options)
        except DomainError as error:
            raise CommandError(str(error.message)) from error

    def _export(self, *, code: str, output: str | None, **options) -> None:
        pipeline = Pipeline.objects.filter(code=code).first()
        if pipeline is None:
            known = ", ".join(Pipeline.objects.values_list("code", flat=True)) or "-"
            raise CommandError(
                _("Pipeline %(code)s does not exist; known pipelines: %(known)s.") % {"code": code, "known": known}
            )

        text = dump_template(export_pipeline(pipeline))
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(_("Pipeline %(code)s written to %(file)s.") % {"code": code, "file": output})
        else:
            self.stdout.write(text, ending="")

    def _import(self, *, file: str, dry_run: bool, **options) -> None:
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror or error}
            ) from error

        diff = import_template(actor=None, text=content, dry_run=dry_run)
        code = json.loads(content)["pipeline"]["code"]
        for line in describe_template_diff(diff, pipeline_code=code):
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(_("Dry run: nothing was saved."))

    def _schema(self, **options) -> None:
        self.stdout.write(json.dumps(TEMPLATE_SCHEMA, ensure_ascii=False, indent=2, sort_keys=True))
