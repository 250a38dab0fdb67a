"""The tagger's configuration: enabled tags, extra phrases, competitors, active model
(the shipped one from ``shipped`` until operations train their own).

Inside Django with a migrated database the configuration comes from the TagDefinition,
TagPhrase, Competitor and TaggerModel rows; without a database (the ``salespulse tag``
command on a fresh checkout, scripts) it comes from the data shipped in
``signals/taxonomy``. The compiled configuration is cached per process. A cheap
fingerprint of the configuration tables (row counts and the newest ids) is re-read at
most every ``RECHECK_SECONDS``, so a change made in another process (the web app while a
Celery worker tags) is picked up without a restart; ``invalidate_config()`` drops the
cache at once in this process.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from salespulse.signals.tagger.competitors import CompetitorMatcher, Competitors, default_competitors
from salespulse.signals.tagger.rules import ExtraPhrases

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 10.0


@dataclass
class TaggerConfig:
    competitors: Competitors
    extra: ExtraPhrases
    enabled: set[str] | None = None
    model: Any = None  # a statistical.CharNgramModel or None
    fingerprint: tuple = field(default_factory=tuple)
    _matcher: CompetitorMatcher | None = field(default=None, repr=False)

    def matcher(self) -> CompetitorMatcher:
        if self._matcher is None or self._matcher.competitors is not self.competitors:
            self._matcher = CompetitorMatcher(self.competitors)
        return self._matcher


@lru_cache(maxsize=1)
def default_taxonomy() -> dict[str, Any]:
    """Return ``signals/taxonomy/default.json``: the 12 default tags with names,
    definitions and phrases."""
    return json.loads(resources.files("salespulse.signals.taxonomy").joinpath("default.json").read_text("utf-8"))


def shipped_config() -> TaggerConfig:
    extra = ExtraPhrases(
        triggers={tag["code"]: list(tag.get("phrases", [])) for tag in default_taxonomy()["tags"]},
        blockers={tag["code"]: list(tag.get("blocking_phrases", [])) for tag in default_taxonomy()["tags"]},
    )
    return TaggerConfig(competitors=default_competitors(), extra=extra)


_lock = threading.Lock()
_cached: TaggerConfig | None = None
_checked_at = 0.0


def _database_available() -> bool:
    try:
        from django.apps import apps

        return apps.ready
    except Exception:  # noqa: BLE001 - Django not configured at all
        return False


def _fingerprint() -> tuple:
    from django.db.models import Count, Max

    from salespulse.signals.models import Competitor, TagDefinition, TaggerModel, TagPhrase

    parts = []
    for model in (TagDefinition, TagPhrase, Competitor, TaggerModel):
        summary = model.objects.aggregate(count=Count("id"), newest=Max("id"))
        parts.append((summary["count"], summary["newest"]))
    parts.append(tuple(TaggerModel.objects.filter(active=True).values_list("id", flat=True)[:1]))
    # Edits in place keep counts and ids: fold in the rows' editable fields cheaply.
    parts.append(hash(tuple(TagDefinition.objects.values_list("code", "enabled"))))
    parts.append(hash(tuple(Competitor.objects.values_list("name", "enabled"))))
    return tuple(parts)


def _load_from_database(fingerprint: tuple) -> TaggerConfig:
    from salespulse.signals.models import Competitor, TagDefinition, TaggerModel, TagPhrase
    from salespulse.signals.tagger.statistical import load_model

    if not TagDefinition.objects.exists():
        config = shipped_config()
    else:
        extra = ExtraPhrases()
        for phrase in TagPhrase.objects.filter(tag__enabled=True).select_related("tag"):
            bucket = extra.blockers if phrase.blocks else extra.triggers
            bucket.setdefault(phrase.tag.code, []).append(phrase.phrase)
        enabled = set(TagDefinition.objects.filter(enabled=True).values_list("code", flat=True))
        config = TaggerConfig(competitors=default_competitors(), extra=extra, enabled=enabled)
    competitors = [(row.name, list(row.aliases or [])) for row in Competitor.objects.filter(enabled=True)]
    if competitors or Competitor.objects.exists():
        config.competitors = competitors
    active = TaggerModel.objects.filter(active=True).exclude(artifact="").first()
    if active is not None:
        config.model = load_model(active.artifact)
    config.fingerprint = fingerprint
    return _with_shipped_model(config)


def _with_shipped_model(config: TaggerConfig) -> TaggerConfig:
    """Fill in the shipped model when operations have not trained one (or its file is
    gone)."""
    if config.model is None:
        from salespulse.signals.tagger.shipped import shipped_model

        config.model = shipped_model()
    return config


def current_config() -> TaggerConfig:
    """Return the configuration to tag with, from the database when there is one."""
    global _cached, _checked_at
    now = time.monotonic()
    with _lock:
        if _cached is not None and now - _checked_at < RECHECK_SECONDS:
            return _cached
        if not _database_available():
            _cached = _cached or _with_shipped_model(shipped_config())
            _checked_at = now
            return _cached
        try:
            fingerprint = _fingerprint()
            if _cached is None or _cached.fingerprint != fingerprint:
                _cached = _load_from_database(fingerprint)
                logger.info("tagger configuration loaded (fingerprint %s)", fingerprint)
        except Exception as error:  # noqa: BLE001 - no database or tables not migrated
            logger.debug("tagger configuration falls back to shipped data: %s", error)
            _cached = _with_shipped_model(shipped_config())
        _checked_at = now
        return _cached


def invalidate_config() -> None:
    """Drop the cached configuration in this process (call after changing it)."""
    global _cached, _checked_at
    with _lock:
        _cached = None
        _checked_at = 0.0
