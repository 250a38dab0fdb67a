"""The tagger's configuration as operations edit it: tags, phrases, competitors and
labelled examples. Every write tells the tagger engine to drop its cached configuration."""

from __future__ import annotations

import logging
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from salespulse.accounts.models import User
from salespulse.core.errors import DomainError, PermissionDenied
from salespulse.signals import selectors
from salespulse.signals.models import Competitor, LabelledExample, Speaker, TagDefinition, TagPhrase
from salespulse.signals.tagger import TagResult, tag_text

logger = logging.getLogger(__name__)

TAG_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
ALIAS_SEPARATORS = re.compile(r"[,，、;；\n]+")


def ensure_may_configure(actor: User) -> None:
    if not selectors.may_configure_tagger(actor):
        raise PermissionDenied(
            "may_not_configure_tagger",
            _("Only sales operations and administrators can change the tagger settings."),
        )


def invalidate_tagger_config() -> None:
    """Make the engine reload tags, phrases and competitors on its next call, once the
    change is committed."""
    try:
        from salespulse.signals.tagger import config
    except ImportError:
        return
    invalidate = getattr(config, "invalidate", None) or getattr(config, "invalidate_config", None)
    if callable(invalidate):
        transaction.on_commit(invalidate)


def save_tag(
    *, actor: User, code: str, name: str, description: str = "", enabled: bool = True, name_en: str = ""
) -> TagDefinition:
    """Create the tag ``code`` or update its name, definition and switch."""
    ensure_may_configure(actor)
    code = code.strip()
    if not TAG_CODE.match(code):
        raise DomainError(
            "invalid_tag_code",
            _("Tag code %(value)s is invalid; use 2 to 40 lower-case letters, digits and _, starting with a letter.")
            % {"value": code},
            field="code",
        )
    if not name.strip():
        raise DomainError("tag_name_required", _("Enter the tag's Chinese name."), field="name")

    with transaction.atomic():
        tag, created = TagDefinition.objects.update_or_create(
            code=code,
            defaults={
                "name": name.strip()[:80],
                "name_en": name_en.strip()[:80],
                "description": description.strip(),
                "enabled": enabled,
            },
        )
        invalidate_tagger_config()

    logger.info("tag %s %s by user %s", code, "created" if created else "updated", actor.pk)
    return tag


def set_tag_enabled(*, actor: User, tag: TagDefinition, enabled: bool) -> TagDefinition:
    ensure_may_configure(actor)
    with transaction.atomic():
        tag.enabled = enabled
        tag.save(update_fields=["enabled"])
        invalidate_tagger_config()
    logger.info("tag %s %s by user %s", tag.code, "enabled" if enabled else "disabled", actor.pk)
    return tag


def add_phrase(*, actor: User, tag: TagDefinition, phrase: str, blocks: bool = False) -> TagPhrase:
    """Add a phrase that triggers ``tag`` (or, with ``blocks``, suppresses it)."""
    ensure_may_configure(actor)
    phrase = phrase.strip()
    if not phrase or len(phrase) > 120:
        raise DomainError(
            "invalid_phrase", _("Enter a phrase of 1 to 120 characters."), field="phrase"
        )
    try:
        with transaction.atomic():
            created = TagPhrase.objects.create(tag=tag, phrase=phrase, blocks=blocks)
            invalidate_tagger_config()
    except IntegrityError:
        raise DomainError(
            "duplicate_phrase",
            _("The phrase %(phrase)s is already listed for tag %(tag)s.") % {"phrase": phrase, "tag": tag.name},
            field="phrase",
        ) from None
    logger.info("phrase %s added to tag %s by user %s", created.pk, tag.code, actor.pk)
    return created


def delete_phrase(*, actor: User, phrase: TagPhrase) -> None:
    ensure_may_configure(actor)
    with transaction.atomic():
        phrase_id, tag_code = phrase.pk, phrase.tag.code
        phrase.delete()
        invalidate_tagger_config()
    logger.info("phrase %s of tag %s deleted by user %s", phrase_id, tag_code, actor.pk)


def parse_aliases(text: str) -> list[str]:
    """Aliases separated by commas (either width), 、, semicolons or new lines; kept in
    order, duplicates dropped."""
    seen: list[str] = []
    for alias in ALIAS_SEPARATORS.split(text or ""):
        alias = alias.strip()
        if alias and alias not in seen:
            seen.append(alias)
    return seen


def save_competitor(
    *, actor: User, name: str, aliases: list[str], enabled: bool = True, competitor: Competitor | None = None
) -> Competitor:
    ensure_may_configure(actor)
    name = name.strip()
    if not name or len(name) > 80:
        raise DomainError("invalid_competitor_name", _("Enter a competitor name of 1 to 80 characters."), field="name")
    clash = Competitor.objects.filter(name=name).exclude(pk=competitor.pk if competitor else None).exists()
    if clash:
        raise DomainError(
            "duplicate_competitor",
            _("Competitor %(name)s already exists; edit its aliases instead.") % {"name": name},
            field="name",
        )
    aliases = [alias for alias in aliases if alias != name]

    with transaction.atomic():
        competitor = competitor or Competitor()
        competitor.name = name
        competitor.aliases = aliases
        competitor.enabled = enabled
        competitor.save()
        invalidate_tagger_config()

    logger.info("competitor %s saved by user %s with %d aliases", competitor.pk, actor.pk, len(aliases))
    return competitor


def delete_competitor(*, actor: User, competitor: Competitor) -> None:
    ensure_may_configure(actor)
    with transaction.atomic():
        competitor_id = competitor.pk
        competitor.delete()
        invalidate_tagger_config()
    logger.info("competitor %s deleted by user %s", competitor_id, actor.pk)


def add_example(
    *, actor: User, text: str, tags: list[str], channel: str = "", speaker: str = Speaker.CUSTOMER
) -> LabelledExample:
    """Add a labelled example; ``tags`` may be empty (a text that must stay untagged)."""
    ensure_may_configure(actor)
    text = text.strip()
    if not text:
        raise DomainError("example_text_required", _("Enter the example's text."), field="text")
    known = set(TagDefinition.objects.values_list("code", flat=True))
    unknown = [tag for tag in tags if tag not in known]
    if unknown:
        raise DomainError(
            "unknown_tag",
            _("Tag %(value)s is not configured; choose one from the list.") % {"value": ", ".join(unknown)},
            field="tags",
        )
    if speaker not in Speaker.values:
        raise DomainError(
            "invalid_speaker",
            _("Speaker %(value)s is not one of: %(choices)s.")
            % {"value": speaker, "choices": ", ".join(Speaker.values)},
            field="speaker",
        )
    example = LabelledExample.objects.create(
        text=text, tags=sorted(set(tags)), channel=channel, speaker=speaker,
        origin=LabelledExample.Origin.OPS, created_by=actor,
    )
    logger.info("labelled example %s added by user %s", example.pk, actor.pk)
    return example


def delete_example(*, actor: User, example: LabelledExample) -> None:
    ensure_may_configure(actor)
    example_id = example.pk
    example.delete()
    logger.info("labelled example %s deleted by user %s", example_id, actor.pk)


def preview(text: str, *, channel: str = "", speaker: str = Speaker.CUSTOMER) -> TagResult:
    """Tag ``text`` with the current configuration, storing nothing."""
    if not text.strip():
        return TagResult()
    return tag_text(text[:5000], channel=channel, speaker=speaker or Speaker.CUSTOMER)
