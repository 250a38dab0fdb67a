"""`salespulse ingest FILE... [--source KIND] [--tz ZONE] [--user USERNAME] [--dry-run]`:
import chat archives, exports, e-mails, call summaries and minutes, and print counts."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from salespulse.accounts.models import User
from salespulse.signals.connectors import SOURCES
from salespulse.signals.ingest import IngestSummary, ingest_path

# Errors printed per file; the rest are counted.
SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "Import communications (WeCom archive, WeChat exports, e-mail, call summaries, minutes) and print counts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="Files to import.")
        parser.add_argument(
            "--source", choices=SOURCES, help="Format of the files; detected from each file if omitted."
        )
        parser.add_argument(
            "--tz",
            default="Asia/Shanghai",
            help="Time zone of local-time strings in exports and minutes (default Asia/Shanghai).",
        )
        parser.add_argument(
            "--user",
            help="Username of the rep the files belong to: their own messages in a WeChat export, "
            "and the rep of minutes that name none.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read, link and count everything, then write nothing."
        )

    def handle(self, *args, **options) -> None:
        try:
            ZoneInfo(options["tz"])
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise CommandError(
                _("Unknown time zone %(zone)s; use a name such as Asia/Shanghai.") % {"zone": options["tz"]}
            ) from error
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(_("There is no user named %(username)s.") % {"username": options["user"]})
        missing = [str(path) for path in options["files"] if not path.is_file()]
        if missing:
            raise CommandError(_("File not found: %(files)s") % {"files": ", ".join(missing)})

        failed = []
        for path in options["files"]:
            summary = ingest_path(
                path=path, actor=actor, source=options["source"], time_zone=options["tz"], dry_run=options["dry_run"]
            )
            self.print_summary(path, summary)
            if summary.failure:
                failed.append(str(path))
        if failed:
            raise CommandError(
                _("%(count)s files cannot be imported: %(files)s.") % {"count": len(failed), "files": ", ".join(failed)}
            )

    def print_summary(self, path: Path, summary: IngestSummary) -> None:
        if summary.failure:
            self.stdout.write(_("%(file)s: cannot be imported: %(reason)s") % {"file": path, "reason": summary.failure})
            return
        counts = summary.counts
        line = _(
            "%(file)s (%(source)s): %(messages)s messages created, %(duplicates)s duplicates, %(events)s events, "
            "%(contacts)s contacts synced, %(interactions)s interactions, %(errors)s errors, "
            "%(unmatched)s unmatched identities"
        ) % {
            "file": path,
            "source": summary.source,
            "messages": counts.get("messages", 0),
            "duplicates": counts.get("duplicates", 0),
            "events": counts.get("events", 0),
            "contacts": counts.get("contacts", 0),
            "interactions": counts.get("interactions", 0),
            "errors": counts.get("errors", 0),
            "unmatched": counts.get("unmatched", 0),
        }
        if summary.dry_run:
            line = _("[dry run] %(summary)s") % {"summary": line}
        elif summary.resumed_from:
            line = _("%(summary)s; resumed after record %(position)s") % {
                "summary": line,
                "position": summary.resumed_from,
            }
        self.stdout.write(line)
        for number, reason in summary.errors[:SHOWN_ERRORS]:
            self.stdout.write(f"  {path}:{number if number is not None else '-'}: {reason}")
        if len(summary.errors) > SHOWN_ERRORS:
            self.stdout.write(_("  … and %(count)s more errors") % {"count": len(summary.errors) - SHOWN_ERRORS})
