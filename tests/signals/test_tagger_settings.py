"""The tagger settings page: who may open it, configuration writes, the live preview,
and per-tag precision on the page."""

import pytest
from django.urls import reverse

from salespulse.accounts.models import Role
from salespulse.core.errors import DomainError, PermissionDenied
from salespulse.signals.models import Competitor, LabelledExample, TagDefinition, TagPhrase
from salespulse.signals.services_config import add_phrase, parse_aliases, save_competitor, save_tag
from salespulse.signals.services_review import review_signal
from salespulse.signals.tagger import config as tagger_config
from tests.factories import CustomerFactory, InteractionFactory, UserFactory
from tests.signals.signal_data import SignalFactory, ensure_tags

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops():
    ensure_tags()
    tagger_config.invalidate_config()
    return UserFactory(role=Role.OPS, team=None)


@pytest.mark.parametrize("role", [Role.REP, Role.MANAGER, Role.DIRECTOR, Role.FINANCE])
def test_only_ops_and_admin_open_the_settings_page(client, role):
    client.force_login(UserFactory(role=role))

    response = client.get(reverse("signals:settings"))

    assert response.status_code == 403
    assert "只有销售运营和管理员可以修改打标签设置。" in response.content.decode()


@pytest.mark.parametrize("role", [Role.OPS, Role.ADMIN])
def test_ops_and_admin_see_tags_competitors_and_examples(client, role):
    ensure_tags()
    Competitor.objects.create(name="迈瑞", aliases=["Mindray"])
    client.force_login(UserFactory(role=role, team=None))

    response = client.get(reverse("signals:settings"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="tag-budget_approved"' in html
    assert 'data-competitor="迈瑞"' in html


def test_rep_may_not_add_a_phrase_even_by_posting(client):
    ensure_tags()
    client.force_login(UserFactory(role=Role.REP))

    response = client.post(
        reverse("signals:phrase_add"), {"tag": "budget_approved", "phrase": "钱到位了", "blocks": "0"}
    )

    assert response.status_code == 403
    assert not TagPhrase.objects.exists()


def test_ops_adds_a_trigger_phrase_and_a_suppressing_phrase(client, ops):
    client.force_login(ops)

    client.post(reverse("signals:phrase_add"), {"tag": "budget_approved", "phrase": "钱到位了", "blocks": "0"})
    client.post(reverse("signals:phrase_add"), {"tag": "budget_approved", "phrase": "去年的预算", "blocks": "1"})

    assert sorted(TagPhrase.objects.values_list("phrase", "blocks")) == [("去年的预算", True), ("钱到位了", False)]


def test_duplicate_phrase_is_refused_naming_phrase_and_tag(ops):
    tag = TagDefinition.objects.get(code="budget_approved")
    add_phrase(actor=ops, tag=tag, phrase="钱到位了")

    with pytest.raises(DomainError) as error:
        add_phrase(actor=ops, tag=tag, phrase="钱到位了")

    assert error.value.message == "短语“钱到位了”已在标签“预算已批”下。"
    assert TagPhrase.objects.count() == 1


def test_added_phrase_changes_what_the_preview_tags(
    client, ops, django_capture_on_commit_callbacks, monkeypatch, request
):
    from salespulse.signals.tagger import config

    # The rules alone: the shipped model may already read the phrase.
    monkeypatch.setattr(config, "_with_shipped_model", lambda tagger_config: tagger_config)
    config.invalidate_config()
    request.addfinalizer(config.invalidate_config)
    client.force_login(ops)
    text = "院里给这个项目亮了绿灯"
    before = client.get(reverse("signals:preview"), {"text": text}).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signals:phrase_add"), {"tag": "budget_approved", "phrase": "亮了绿灯", "blocks": "0"})
    after = client.get(reverse("signals:preview"), {"text": text}).content.decode()

    assert 'data-tag="budget_approved"' not in before
    assert 'data-tag="budget_approved"' in after


def test_preview_highlights_the_evidence_and_lists_entities(client, ops):
    client.force_login(ops)

    response = client.get(reverse("signals:preview"), {"text": "预算已经批下来了，大概60万"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-tags="budget_approved">预算已经批下来了</mark>' in html
    assert 'data-entity="amount_cny"' in html


def test_competitor_aliases_are_split_on_commas_and_enumeration_marks(ops):
    competitor = save_competitor(actor=ops, name="迈瑞", aliases=parse_aliases("迈瑞医疗, Mindray、迈瑞医疗；MR"))

    assert competitor.aliases == ["迈瑞医疗", "Mindray", "MR"]


def test_duplicate_competitor_name_is_refused(ops):
    save_competitor(actor=ops, name="迈瑞", aliases=[])

    with pytest.raises(DomainError) as error:
        save_competitor(actor=ops, name="迈瑞", aliases=["Mindray"])

    assert error.value.field == "name"


def test_tag_code_must_be_a_slug(ops):
    with pytest.raises(DomainError) as error:
        save_tag(actor=ops, code="预算", name="预算")

    assert error.value.field == "code"


def test_manager_may_not_save_a_tag():
    with pytest.raises(PermissionDenied):
        save_tag(actor=UserFactory(role=Role.MANAGER), code="warranty", name="保修")


def test_ops_adds_a_labelled_example(client, ops):
    client.force_login(ops)

    client.post(
        reverse("signals:example_add"), {"text": "钱已经到账", "tags": ["budget_approved"], "speaker": "customer"}
    )

    example = LabelledExample.objects.get()
    assert (example.tags, example.origin, example.created_by) == (["budget_approved"], "ops", ops)


def test_disabling_a_tag_stops_the_preview_from_giving_it(client, ops, django_capture_on_commit_callbacks):
    client.force_login(ops)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signals:tag_toggle", args=["budget_approved"]), {"enabled": "0"})
    html = client.get(reverse("signals:preview"), {"text": "预算已经批下来了"}).content.decode()

    assert TagDefinition.objects.get(code="budget_approved").enabled is False
    assert 'data-tag="budget_approved"' not in html


def test_settings_page_shows_precision_from_corrections(client, ops):
    manager = UserFactory(role=Role.MANAGER, team=None)
    customer = CustomerFactory(owner=manager)
    signals = [SignalFactory(interaction=InteractionFactory(customer=customer)) for _ in range(3)]
    review_signal(actor=manager, signal=signals[0], verdict="confirmed")
    review_signal(actor=manager, signal=signals[1], verdict="confirmed")
    review_signal(actor=manager, signal=signals[2], verdict="rejected")
    client.force_login(ops)

    html = client.get(reverse("signals:settings")).content.decode()

    row = html[html.index('id="tag-budget_approved"'):]
    row = row[: row.index("</tr>")]
    assert "67%" in row
    assert "3 条中 2 条正确" in row


def test_retag_all_runs_inline_and_reports_progress(client, ops):
    from salespulse.signals.models import Signal
    from salespulse.signals.tagger_jobs import RETAG_KEY, progress

    customer = CustomerFactory()
    for _ in range(3):
        InteractionFactory(customer=customer, text="预算已经批下来了", direction="inbound")
    client.force_login(ops)

    response = client.post(reverse("signals:retag"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert 'data-state="done"' in response.content.decode()
    state = progress(RETAG_KEY)
    assert (state["state"], state["done"], state["total"], state["percent"]) == ("done", 3, 3, 100)
    assert Signal.objects.filter(tag="budget_approved").count() == 3


def test_progress_block_polls_while_a_run_is_going(client, ops):
    from django.core.cache import cache
    from django.utils import timezone

    from salespulse.signals.tagger_jobs import RETAG_KEY

    cache.set(RETAG_KEY, {"state": "running", "done": 500, "total": 2000, "updated_at": timezone.now().isoformat()})
    client.force_login(ops)

    html = client.get(reverse("signals:job_progress", args=["retag"])).content.decode()

    cache.delete(RETAG_KEY)
    assert 'hx-trigger="every 1s"' in html
    assert 'value="25"' in html
    assert "进行中：500 / 2000" in html


def test_second_retag_while_one_runs_is_refused(ops):
    from django.core.cache import cache
    from django.utils import timezone

    from salespulse.core.errors import Conflict
    from salespulse.signals.tagger_jobs import RETAG_KEY, start_retag

    cache.set(RETAG_KEY, {"state": "running", "done": 1, "total": 9, "updated_at": timezone.now().isoformat()})
    try:
        with pytest.raises(Conflict):
            start_retag(actor=ops)
    finally:
        cache.delete(RETAG_KEY)


def test_retrain_runs_inline_and_the_page_shows_the_new_model(client, ops, settings, tmp_path, monkeypatch):
    from salespulse.signals import training
    from salespulse.signals.models import TaggerModel

    settings.VAR_DIR = tmp_path
    # A small labelled set replaces the shipped development set, so training is quick.
    monkeypatch.setattr(training, "ensure_devset_examples", lambda: 0)
    for index in range(6):
        LabelledExample.objects.create(text=f"预算已经批下来了{index}", tags=["budget_approved"], origin="devset")
        LabelledExample.objects.create(text=f"价格太贵了能不能便宜{index}", tags=["price_objection"], origin="devset")
    client.force_login(ops)

    client.post(reverse("signals:retrain"))
    html = client.get(reverse("signals:settings")).content.decode()

    model = TaggerModel.objects.get()
    assert model.example_count == 12
    assert 'data-testid="model"' in html
    assert "<dd>12</dd>" in html
