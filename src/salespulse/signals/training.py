"""Retraining the statistical component of the tagger from labelled examples.

Training data: every ``LabelledExample`` (development set, examples ops add, corrections
stored as examples) plus the interactions managers corrected (``TagCorrection``): the
interaction's text with its tagger signals, minus rejected tags, plus added ones. The
fitted model is written under ``settings.VAR_DIR / "models"``; the new ``TaggerModel``
becomes the active one. Scores are cross-validated F1 per tag (5 folds) of the model on
its own, so they say how much the n-grams learned, not how the combined tagger does.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from importlib import resources

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from salespulse.signals.models import LabelledExample, Signal, TagCorrection, TagDefinition, TaggerModel
from salespulse.signals.tagger.config import invalidate_config
from salespulse.signals.tagger.evaluation import DEFAULT_TAGS, Report, folds
from salespulse.signals.tagger.normalize import normalize
from salespulse.signals.tagger.statistical import fit_model, save_model

logger = logging.getLogger(__name__)

FOLDS = 5


def ensure_devset_examples() -> int:
    """Make the DEVSET examples match the shipped development set, which grows and has
    labels corrected between releases. Return how many rows were written, 0 when they
    already match. Examples ops added and corrections are left alone."""
    text = resources.files("salespulse.signals.taxonomy").joinpath("devset.jsonl").read_text("utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    shipped_rows = [
        (row["text"], row.get("channel", ""), row.get("speaker", "customer"), sorted(row.get("tags", [])))
        for row in rows
    ]
    stored = LabelledExample.objects.filter(origin=LabelledExample.Origin.DEVSET)
    current = sorted(
        (text, channel, speaker, sorted(tags or [])) for text, channel, speaker, tags in
        stored.values_list("text", "channel", "speaker", "tags")
    )
    if current == sorted(shipped_rows):
        return 0
    with transaction.atomic():
        stored.delete()
        LabelledExample.objects.bulk_create(
            LabelledExample(text=text, channel=channel, speaker=speaker, tags=tags, origin=LabelledExample.Origin.DEVSET)
            for text, channel, speaker, tags in shipped_rows
        )
    logger.info("development set examples replaced: %s rows (were %s)", len(shipped_rows), len(current))
    return len(shipped_rows)


def _correction_examples() -> list[tuple[str, list[str]]]:
    examples = []
    corrections = TagCorrection.objects.select_related("interaction").order_by("interaction_id", "created_at")
    by_interaction: dict[int, dict[str, str]] = {}
    texts: dict[int, str] = {}
    for correction in corrections:
        by_interaction.setdefault(correction.interaction_id, {})[correction.tag] = correction.verdict
        texts[correction.interaction_id] = correction.interaction.text
    for interaction_id, verdicts in by_interaction.items():
        tags = set(Signal.objects.filter(interaction_id=interaction_id).values_list("tag", flat=True))
        for tag, verdict in verdicts.items():
            if verdict == TagCorrection.Verdict.REJECTED:
                tags.discard(tag)
            else:
                tags.add(tag)
        if texts[interaction_id]:
            examples.append((texts[interaction_id], sorted(tags)))
    return examples


def _cross_validated_scores(texts: list[str], labels: list[list[str]], tags: list[str]) -> dict:
    report = Report()
    indexed = list(range(len(texts)))
    parts = folds(indexed, FOLDS)  # type: ignore[arg-type]
    from salespulse.signals.tagger.evaluation import Example

    for index, held_out in enumerate(parts):
        training = [i for other, part in enumerate(parts) if other != index for i in part]
        if not training or not held_out:
            continue
        model = fit_model([texts[i] for i in training], [labels[i] for i in training], tags)
        probabilities = model.probabilities([texts[i] for i in held_out])
        for i, scores in zip(held_out, probabilities, strict=False):
            predicted = {tag for tag, value in scores.items() if value >= 0.5}
            report.add(Example(texts[i], "", "", frozenset(labels[i])), predicted)
    return report.as_dict()


def retrain(user=None) -> TaggerModel:
    """Fit the model on all labelled examples and corrections, save it and make it the
    active model. ``user`` is recorded in the log only (TaggerModel has no actor)."""
    ensure_devset_examples()
    rows = list(LabelledExample.objects.values_list("text", "tags"))
    examples = [(text, list(tags or [])) for text, tags in rows] + _correction_examples()
    tags = sorted(set(DEFAULT_TAGS) | set(TagDefinition.objects.filter(enabled=True).values_list("code", flat=True)))
    texts = [normalize(text).text for text, _ in examples]
    labels = [[tag for tag in example_tags if tag in tags] for _, example_tags in examples]

    scores = _cross_validated_scores(texts, labels, tags) if len(texts) >= FOLDS * 2 else {}
    model = fit_model(texts, labels, tags)
    stamp = timezone.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    path = settings.VAR_DIR / "models" / f"tagger-{stamp}.joblib"
    save_model(model, path)

    with transaction.atomic():
        TaggerModel.objects.filter(active=True).update(active=False)
        record = TaggerModel.objects.create(
            example_count=len(texts), scores=scores, artifact=str(path), active=True
        )
    transaction.on_commit(invalidate_config)
    logger.info(
        "tagger model %s trained on %s examples by user %s", record.pk, len(texts), getattr(user, "pk", None)
    )
    return record
