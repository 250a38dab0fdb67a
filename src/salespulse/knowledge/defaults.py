"""The default playbook shipped with SalesPulse: talk tracks for IVD and medical-device
distribution, stored as data in ``fixtures/default_talk_tracks.json``."""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_TALK_TRACKS = Path(__file__).resolve().parent / "fixtures" / "default_talk_tracks.json"


def load_default_talk_tracks() -> list[dict]:
    with DEFAULT_TALK_TRACKS.open(encoding="utf-8") as handle:
        return json.load(handle)


def install_default_talk_tracks(apps, schema_editor=None) -> int:
    """Add the default talk tracks that are missing, matched by their code; return how many.

    Takes the migration app registry (``django.apps.apps`` works too), so the data
    migration and tests share it. An edited track keeps its code, so it is not added again.
    A deleted one comes back only if the install runs again, and the migration runs once.
    """
    TalkTrack = apps.get_model("knowledge", "TalkTrack")
    existing = set(TalkTrack.objects.filter(seed_code__isnull=False).values_list("seed_code", flat=True))
    missing = [
        TalkTrack(
            seed_code=row["code"],
            category=row["category"],
            title=row["title"],
            objection_text=row["objection_text"],
            response=row["response"],
            origin="default",
            status="published",
        )
        for row in load_default_talk_tracks()
        if row["code"] not in existing
    ]
    TalkTrack.objects.bulk_create(missing)
    return len(missing)
