"""``salespulse rebates keygen|rotate-key|export|import|schema``: signing keys and agreement templates."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from salespulse.core.errors import DomainError
from salespulse.rebates import signing
from salespulse.rebates.models import RebateAgreement
from salespulse.rebates.template_documents import TEMPLATE_SCHEMA, dump_template, export_agreement, import_template


class Command(BaseCommand):
    help = "Manage the rebate signing key and export or import rebate agreements as JSON templates."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)

        actions.add_parser("keygen", help="Create the signing key if none exists and print its key id.")
        actions.add_parser("rotate-key", help="Generate a new signing key; earlier documents still verify.")

        export = actions.add_parser("export", help="Write the template of an agreement (highest version).")
        export.add_argument("code", help="Agreement code.")
        export.add_argument(
            "--version", dest="agreement_version", type=int, help="Agreement version; the highest when omitted."
        )
        export.add_argument("-o", "--output", help="File to write; standard output when omitted.")

        load = actions.add_parser("import", help="Import a template file; prints what changes.")
        load.add_argument("file", help="Template file (UTF-8 JSON).")
        load.add_argument("--dry-run", action="store_true", help="Print the changes without saving them.")

        actions.add_parser("schema", help="Print the JSON Schema that templates are validated against.")

    def handle(self, *args, action: str, **options) -> None:
        handlers = {
            "keygen": self._keygen,
            "rotate-key": self._rotate,
            "export": self._export,
            "import": self._import,
            "schema": self._schema,
        }
        try:
            handlers[action](**options)
        except DomainError as error:
            raise CommandError(str(error.message)) from error

    def _keygen(self, **options) -> None:
        signer = signing.Ed25519FileSigner()
        self.stdout.write(_("Signing key %(key_id)s is active.") % {"key_id": signer.key_id})

    def _rotate(self, **options) -> None:
        row = signing.rotate_key()
        self.stdout.write(_("Signing key %(key_id)s is active; earlier keys are retired.") % {"key_id": row.key_id})

    def _export(self, *, code: str, agreement_version: int | None, output: str | None, **options) -> None:
        agreements = RebateAgreement.objects.filter(code=code).order_by("-version")
        if agreement_version is not None:
            agreements = agreements.filter(version=agreement_version)
        agreement = agreements.first()
        if agreement is None:
            raise CommandError(_("Rebate agreement %(code)s does not exist.") % {"code": code})

        text = dump_template(export_agreement(agreement))
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(_("Agreement %(code)s written to %(file)s.") % {"code": code, "file": output})
        else:
            self.stdout.write(text, ending="")

    def _import(self, *, file: str, dry_run: bool, **options) -> None:
        try:
            content = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror or error}
            ) from error

        diff = import_template(actor=None, text=content, dry_run=dry_run)
        for line in diff.describe():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(_("Dry run: nothing was saved."))

    def _schema(self, **options) -> None:
        self.stdout.write(json.dumps(TEMPLATE_SCHEMA, ensure_ascii=False, indent=2, sort_keys=True))
