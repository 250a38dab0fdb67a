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


@pytest.fixture
def small_devset(monkeypatch):
    """Train on the first 500 development examples: these tests need a model, not a good one."""
    from salespulse.signals import training
    from salespulse.signals.tagger.evaluation import load_examples

    def load_part():
        LabelledExample.objects.bulk_create(
            LabelledExample(text=e.text, channel=e.channel, speaker=e.speaker, tags=sorted(e.tags), origin="devset")
            for e in load_examples()[:500]
        )
        return 500

    monkeypatch.setattr(training, "ensure_devset_examples", load_part)


def test_second_retrain_deactivates_the_first(small_devset):
    first = retrain()
    second = retrain()
    first.refresh_from_db()
    assert not first.active and second.active


def test_engine_uses_the_active_model(small_devset):
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


def test_devset_examples_follow_the_shipped_file():
    from salespulse.signals.training import ensure_devset_examples

    LabelledExample.objects.create(text="旧标签", tags=["stalling"], origin=LabelledExample.Origin.DEVSET)
    ops_example = LabelledExample.objects.create(text="运营加的例子", tags=["price_objection"])

    written = ensure_devset_examples()

    devset_rows = LabelledExample.objects.filter(origin=LabelledExample.Origin.DEVSET)
    assert written == devset_rows.count() > 400
    assert not devset_rows.filter(text="旧标签").exists()
    assert LabelledExample.objects.filter(pk=ops_example.pk).exists()
    assert ensure_devset_examples() == 0


def test_shipped_model_used_before_training():
    assert not TaggerModel.objects.exists()
    assert current_config().model is not None
    hit = tag_text("预算还没批下来").tags[0]
    assert hit.tag == "budget_pending"
    assert hit.confidence != 0.85


def test_shipped_model_is_stored_and_reloaded(var_dir, monkeypatch):
    from salespulse.signals.tagger import shipped

    shipped.shipped_model.cache_clear()
    first = shipped.shipped_model()
    stored = list((var_dir / "models").glob("shipped-*.joblib"))
    shipped.shipped_model.cache_clear()
    monkeypatch.setattr(shipped, "fit_model", lambda *args: pytest.fail("the stored model was fitted again"))

    second = shipped.shipped_model()

    assert len(stored) == 1
    assert second.tags == first.tags
    shipped.shipped_model.cache_clear()


def test_corrupt_shipped_file_is_fitted_again(var_dir):
    from salespulse.signals.tagger import shipped
    from salespulse.signals.tagger.statistical import load_model

    shipped.shipped_model.cache_clear()
    shipped.shipped_model()
    (stored,) = (var_dir / "models").glob("shipped-*.joblib")
    stored.write_bytes(stored.read_bytes()[:100_000])
    shipped.shipped_model.cache_clear()
    load_model.cache_clear()

    model = shipped.shipped_model()

    assert model.tags
    assert load_model(str(stored)) is not None
    shipped.shipped_model.cache_clear()


def test_unreadable_ops_model_keeps_ops_configuration(var_dir):
    ensure_default_taxonomy()
    from salespulse.signals.models import TagDefinition

    TagDefinition.objects.filter(code="stalling").update(enabled=False)
    broken = var_dir / "broken.joblib"
    broken.write_bytes(b"\x00" * 64)
    TaggerModel.objects.create(example_count=1, scores={}, artifact=str(broken), active=True)
    invalidate_config()

    config = current_config()

    assert config.enabled is not None and "stalling" not in config.enabled
    assert config.model is not None


def test_failed_store_leaves_no_temporary_file(var_dir, monkeypatch):
    from salespulse.signals.tagger import shipped

    def fail(model, path):
        path.write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(shipped, "save_model", fail)
    shipped._store(object(), var_dir / "models" / "shipped-test.joblib")

    assert list((var_dir / "models").iterdir()) == []
