"""`salespulse tagger-defaults`: install the shipped intent tags, phrases and competitors
that are missing. Rows operations edited are left as they are; `make run` calls it."""

from django.core.management.base import BaseCommand

from salespulse.signals.taxonomy import ensure_default_taxonomy


class Command(BaseCommand):
    help = "Install the shipped intent tags, phrases and competitors that are missing."

    def handle(self, *args, **options) -> None:
        created = ensure_default_taxonomy()
        self.stdout.write(
            "tags {tags}, phrases {phrases}, competitors {competitors} created".format(**created)
        )
