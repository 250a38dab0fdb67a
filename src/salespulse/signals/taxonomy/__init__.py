"""The default taxonomy as data: ``default.json`` (the tags with names, definitions and
phrases), ``competitors.json`` (the default competitor list), and labelled messages
written for the project: ``devset.jsonl`` (rules and model are tuned on it),
``heldout.jsonl`` and ``sealed.jsonl`` (scored, never tuned on)."""

from __future__ import annotations


def ensure_default_taxonomy() -> dict[str, int]:
    """Create the default tags, phrases and competitors that do not exist yet; never
    change or re-enable rows operations edited. Return the counts created."""
    from django.db import transaction

    from salespulse.signals.models import Competitor, TagDefinition, TagPhrase
    from salespulse.signals.tagger.competitors import default_competitors
    from salespulse.signals.tagger.config import default_taxonomy, invalidate_config

    created = {"tags": 0, "phrases": 0, "competitors": 0}
    with transaction.atomic():
        for position, item in enumerate(default_taxonomy()["tags"]):
            tag, was_created = TagDefinition.objects.get_or_create(
                code=item["code"],
                defaults={
                    "name": item["name"],
                    "name_en": item.get("name_en", ""),
                    "description": item.get("description", ""),
                    "builtin": True,
                    "position": position,
                },
            )
            created["tags"] += was_created
            if not was_created:
                continue
            for phrase, blocks in [(p, False) for p in item.get("phrases", [])] + [
                (p, True) for p in item.get("blocking_phrases", [])
            ]:
                _, phrase_created = TagPhrase.objects.get_or_create(tag=tag, phrase=phrase, blocks=blocks)
                created["phrases"] += phrase_created
        if not Competitor.objects.exists():
            Competitor.objects.bulk_create(
                Competitor(name=name, aliases=aliases) for name, aliases in default_competitors()
            )
            created["competitors"] = Competitor.objects.count()
        transaction.on_commit(invalidate_config)
    return created
