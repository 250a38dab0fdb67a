"""`salespulse retag [--since-days N]`: run the tagger again over stored interactions.

Without ``--since-days`` every interaction with text is re-tagged; with it, only those
of the last N days. Manual, confirmed and corrected signals are kept."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from salespulse.crm.models import Interaction
from salespulse.signals.tagging import retag_all, tag_interactions


class Command(BaseCommand):
    help = "Run the intent tagger again over stored interactions."

    def add_arguments(self, parser):
        parser.add_argument("--since-days", type=int, help="Only interactions of the last N days.")

    def handle(self, *args, since_days=None, **options) -> None:
        if since_days is None:
            written = retag_all()
        else:
            if since_days < 1:
                raise CommandError(f"--since-days must be 1 or more, not {since_days}.")
            since = timezone.now() - dt.timedelta(days=since_days)
            ids = Interaction.objects.filter(occurred_at__gte=since).exclude(text="").values_list("pk", flat=True)
            written = tag_interactions(ids)
        self.stdout.write(f"{written} signals written")
