"""`salespulse digest`: send each manager the weekly digest of new alerts now."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from salespulse.analytics.digest import send_weekly_digests


class Command(BaseCommand):
    help = "Send each manager with a team and an e-mail address the digest of new alerts since their last one."

    def handle(self, *args, **options) -> None:
        result = send_weekly_digests()
        self.stdout.write(f"digests sent: {result.sent}, managers without new alerts: {result.skipped}")
