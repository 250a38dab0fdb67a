"""Compile every zh_Hans .po catalogue to .mo with polib.

Django's own ``compilemessages`` needs GNU gettext's msgfmt on the machine; this
command needs only the project's Python packages, so ``make run`` works without it.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the .po translation catalogues under the salespulse package to .mo files."

    def handle(self, *args, **options) -> None:
        root = Path(settings.BASE_DIR)
        compiled = 0
        for po_path in sorted(root.rglob("locale/*/LC_MESSAGES/*.po")):
            catalogue = polib.pofile(str(po_path))
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            catalogue.save_as_mofile(str(mo_path))
            compiled += 1
        self.stdout.write(f"compiled {compiled} catalogue(s)")
