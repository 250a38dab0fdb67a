"""Scoring the tagger on labelled JSON lines (``text``, ``channel``, ``speaker``,
``tags``): per-tag precision, recall and F1, micro F1, and the share of untagged
messages left untagged. ``cross_validate`` scores the rules alone and the rules combined
with a model trained on the other folds, so the model is never scored on what it saw."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from salespulse.signals.tagger import tag_text
from salespulse.signals.tagger.config import TaggerConfig, shipped_config
from salespulse.signals.tagger.statistical import fit_model

DEFAULT_TAGS = [
    "budget_approved", "budget_pending", "needs_hq_approval", "competitor_preference", "price_objection",
    "tender_process", "decision_maker_unavailable", "sample_request", "technical_concern", "purchase_intent",
    "delivery_timeline", "stalling", "payment_terms",
]


@dataclass(frozen=True)
class Example:
    text: str
    channel: str
    speaker: str
    tags: frozenset[str]


@dataclass
class TagScore:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        predicted = self.true_positive + self.false_positive
        return self.true_positive / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positive + self.false_negative
        return self.true_positive / actual if actual else 1.0

    @property
    def f1(self) -> float:
        denominator = 2 * self.true_positive + self.false_positive + self.false_negative
        return 2 * self.true_positive / denominator if denominator else 1.0


@dataclass
class Report:
    per_tag: dict[str, TagScore] = field(default_factory=dict)
    untagged_total: int = 0
    untagged_kept: int = 0
    examples: int = 0
    errors: list[tuple[Example, set[str]]] = field(default_factory=list)

    @property
    def micro(self) -> TagScore:
        total = TagScore()
        for score in self.per_tag.values():
            total.true_positive += score.true_positive
            total.false_positive += score.false_positive
            total.false_negative += score.false_negative
        return total

    @property
    def untagged_rate(self) -> float:
        return self.untagged_kept / self.untagged_total if self.untagged_total else 1.0

    def add(self, example: Example, predicted: set[str]) -> None:
        self.examples += 1
        for tag in example.tags | predicted:
            score = self.per_tag.setdefault(tag, TagScore())
            if tag in example.tags and tag in predicted:
                score.true_positive += 1
            elif tag in predicted:
                score.false_positive += 1
            else:
                score.false_negative += 1
        if not example.tags:
            self.untagged_total += 1
            self.untagged_kept += not predicted
        if predicted != set(example.tags):
            self.errors.append((example, predicted))

    def merge(self, other: Report) -> None:
        for tag, score in other.per_tag.items():
            mine = self.per_tag.setdefault(tag, TagScore())
            mine.true_positive += score.true_positive
            mine.false_positive += score.false_positive
            mine.false_negative += score.false_negative
        self.untagged_total += other.untagged_total
        self.untagged_kept += other.untagged_kept
        self.examples += other.examples
        self.errors.extend(other.errors)

    def as_table(self) -> str:
        lines = [f"{'tag':<28} {'P':>6} {'R':>6} {'F1':>6} {'support':>8}"]
        for tag in sorted(self.per_tag):
            score = self.per_tag[tag]
            support = score.true_positive + score.false_negative
            lines.append(f"{tag:<28} {score.precision:6.3f} {score.recall:6.3f} {score.f1:6.3f} {support:8d}")
        micro = self.micro
        lines.append(f"{'micro':<28} {micro.precision:6.3f} {micro.recall:6.3f} {micro.f1:6.3f}")
        lines.append(
            f"untagged messages left untagged: {self.untagged_kept}/{self.untagged_total} ({self.untagged_rate:.1%}); "
            f"messages: {self.examples}"
        )
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "micro_f1": round(self.micro.f1, 4),
            "untagged_kept": round(self.untagged_rate, 4),
            "per_tag": {
                tag: {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "f1": round(s.f1, 4)}
                for tag, s in sorted(self.per_tag.items())
            },
        }


def parse_examples(lines: Iterable[str], source: str = "input") -> list[Example]:
    """Parse labelled JSON lines; raise ValueError naming the line on a bad one."""
    examples = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            examples.append(
                Example(
                    row["text"], row.get("channel", ""), row.get("speaker", "customer"), frozenset(row.get("tags", []))
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(f"{source} line {number}: not a labelled example ({error})") from error
    return examples


def load_examples(path: Path | None = None, name: str = "devset.jsonl") -> list[Example]:
    """Load a labelled file, by default the shipped development set."""
    if path is None:
        text = resources.files("salespulse.signals.taxonomy").joinpath(name).read_text("utf-8")
        return parse_examples(text.splitlines(), name)
    with open(path, encoding="utf-8") as handle:
        return parse_examples(handle, str(path))


Predictor = Callable[[Example], set[str]]


def rules_predictor(config: TaggerConfig | None = None) -> Predictor:
    config = config or shipped_config()
    return lambda example: set(
        tag_text(example.text, channel=example.channel, speaker=example.speaker, use_model=False, config=config).codes
    )


def combined_predictor(config: TaggerConfig) -> Predictor:
    return lambda example: set(
        tag_text(example.text, channel=example.channel, speaker=example.speaker, config=config).codes
    )


def score(examples: list[Example], predictor: Predictor) -> Report:
    report = Report()
    for example in examples:
        report.add(example, predictor(example))
    return report


def folds(examples: list[Example], count: int = 5, seed: int = 7) -> list[list[Example]]:
    shuffled = list(examples)
    random.Random(seed).shuffle(shuffled)
    return [shuffled[index::count] for index in range(count)]


def cross_validate(examples: list[Example], count: int = 5, seed: int = 7) -> tuple[Report, Report]:
    """Return (rules only, rules + model) reports over ``count`` folds; the model of each
    fold is trained on the other folds."""
    from salespulse.signals.tagger.normalize import normalize

    rules_report, combined_report = Report(), Report()
    parts = folds(examples, count, seed)
    for index, held_out in enumerate(parts):
        training = [example for other, part in enumerate(parts) if other != index for example in part]
        model = fit_model([normalize(e.text).text for e in training], [sorted(e.tags) for e in training], DEFAULT_TAGS)
        config = shipped_config()
        combined_config = TaggerConfig(competitors=config.competitors, extra=config.extra, model=model)
        rules_report.merge(score(held_out, rules_predictor(config)))
        combined_report.merge(score(held_out, combined_predictor(combined_config)))
    return rules_report, combined_report
