"""`salespulse detect [KIND ...]`: run the pattern detectors now and store their alerts."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from salespulse.analytics.detectors import DETECTORS, run_detectors


class Command(BaseCommand):
    help = "Run the pattern detectors now (all, or the kinds named) and store their alerts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kinds", nargs="*", help=f"detector kinds to run (default all): {', '.join(DETECTORS)}")

    def handle(self, *args, **options) -> None:
        unknown = [kind for kind in options["kinds"] if kind not in DETECTORS]
        if unknown:
            raise CommandError(f"Unknown detector kind(s): {', '.join(unknown)}. Known: {', '.join(DETECTORS)}.")
        for result in run_detectors(options["kinds"] or None):
            self.stdout.write(
                f"{result.kind}: found {result.found}, opened {result.opened}, updated {result.updated}, "
                f"resolved {result.resolved} in {result.duration_ms} ms"
            )
