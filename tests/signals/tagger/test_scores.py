"""Score floors of the rules-only tagger on the shipped labelled sets."""

import pytest

from salespulse.signals.tagger.config import shipped_config
from salespulse.signals.tagger.evaluation import load_examples, rules_predictor, score


@pytest.fixture(scope="module")
def predictor():
    return rules_predictor(shipped_config())


def test_development_set_meets_the_spec_thresholds(predictor):
    # The rules were written against this set, so this guards against regressions; the
    # held-out set below is the honest figure.
    report = score(load_examples(), predictor)
    assert report.micro.f1 >= 0.90
    assert min(tag.f1 for tag in report.per_tag.values()) >= 0.80
    assert report.untagged_rate >= 0.95


def test_held_out_set_stays_at_its_measured_level(predictor):
    # TODO: the rules alone score micro F1 0.916 on the held-out set but keep only 94.3%
    # of its untagged messages untagged, below the 95% target. Fresh batches written
    # after the latest fixes score 0.62 to 0.84 (docs/benchmarks.md). Raise these floors
    # as the rules generalise.
    report = score(load_examples(name="heldout.jsonl"), predictor)
    assert report.micro.f1 >= 0.90
    assert report.untagged_rate >= 0.94


def test_sealed_set_stays_at_its_measured_level(predictor):
    # Written by someone who read neither the rules nor the development set, and scored
    # once: the rules alone reached micro F1 0.821 and kept 37 of 38 untagged messages.
    # No rule may be tuned on it, so this floor only guards against regressions.
    report = score(load_examples(name="sealed.jsonl"), predictor)
    assert report.micro.f1 >= 0.80
    assert report.untagged_rate >= 0.94
