"""Retraining the statistical component and tagging with the active model."""

import pytest

from salespulse.signals.models import LabelledExample, TaggerModel
from salespulse.signals.tagger import tag_text
from salespulse.signals.tagger.config import current_config, invalidate_config
from salespulse.signals.taxonomy import ensure_default_taxonomy
from salespulse.signals.training import retrain

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    invalidate_config()
    yield tmp_path
    invalidate_config()


def test_retrain_creates_active_model_with_cross_validated_scores(var_dir):
    model = retrain()

    assert model.active and TaggerModel.objects.filter(active=True).count() == 1
    assert model.example_count == LabelledExample.objects.count() > 400
    assert set(model.scores["per_tag"]) >= {"budget_pending", "payment_terms"}
    assert 0 < model.scores["micro_f1"] <= 1
    assert (var_dir / "models").joinpath(model.artifact.rsplit("/", 1)[-1]).is_file()


def test_second_retrain_deactivates_the_first():
    first = retrain()
    second = retrain()
    first.refresh_from_db()
    assert not first.active and second.active


def test_engine_uses_the_active_model():
    retrain()
    invalidate_config()
    assert current_config().model is not None
    hit = tag_text("预算还没批下来").tags[0]
    assert hit.tag == "budget_pending" and hit.confidence != 0.85


def test_default_taxonomy_is_loaded_once():
    first = ensure_default_taxonomy()
    second = ensure_default_taxonomy()
    assert first["tags"] == 13 and first["competitors"] > 10
    assert second == {"tags": 0, "phrases": 0, "competitors": 0}
