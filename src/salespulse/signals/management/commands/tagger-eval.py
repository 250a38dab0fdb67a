"""`salespulse tagger-eval [FILE] [--errors]`: per-tag precision, recall and F1 of the
intent tagger on labelled JSON lines (``text``, ``channel``, ``speaker``, ``tags``).

Without FILE the shipped development set is scored with 5-fold cross-validation: the
rules alone, and the rules with a model trained on the other four folds. With FILE the
rules alone are scored, and the rules with a model trained on the whole development set.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from salespulse.signals.tagger.config import TaggerConfig, shipped_config
from salespulse.signals.tagger.evaluation import (
    DEFAULT_TAGS,
    combined_predictor,
    cross_validate,
    load_examples,
    rules_predictor,
    score,
)
from salespulse.signals.tagger.normalize import normalize
from salespulse.signals.tagger.statistical import fit_model


class Command(BaseCommand):
    help = "Score the intent tagger on labelled JSON lines (default: the development set, cross-validated)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "file", nargs="?", type=Path, help="Labelled JSON lines; default: the shipped development set."
        )
        parser.add_argument("--errors", action="store_true", help="Also list the messages the rules tag wrongly.")

    def handle(self, *args, **options) -> None:
        path = options["file"]
        if path is not None and not path.is_file():
            raise CommandError(f"File not found: {path}")
        try:
            examples = load_examples(path)
        except ValueError as error:
            raise CommandError(str(error)) from error

        if path is None:
            rules, combined = cross_validate(examples)
            self.stdout.write("Development set, 5-fold cross-validation, rules only:")
        else:
            devset = load_examples()
            model = fit_model([normalize(e.text).text for e in devset], [sorted(e.tags) for e in devset], DEFAULT_TAGS)
            base = shipped_config()
            config = TaggerConfig(competitors=base.competitors, extra=base.extra, model=model)
            rules = score(examples, rules_predictor(base))
            combined = score(examples, combined_predictor(config))
            self.stdout.write(f"{path}, rules only:")
        self.stdout.write(rules.as_table())
        self.stdout.write("")
        self.stdout.write("Rules combined with the character n-gram model:")
        self.stdout.write(combined.as_table())
        if options["errors"]:
            self.stdout.write("")
            for example, predicted in rules.errors:
                self.stdout.write(f"expected {sorted(example.tags)} got {sorted(predicted)}: {example.text}")
