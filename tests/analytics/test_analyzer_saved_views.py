"""Saved analyzer views: private or shared with the team, opened by link, deleted by the owner."""

import json

import pytest
from django.urls import reverse

from salespulse.accounts.models import Role
from salespulse.analytics.analyzer import FilterError
from salespulse.analytics.models import SavedView, SavedViewVisibility
from salespulse.analytics.selectors_analyzer import visible_saved_views
from salespulse.analytics.services_views import delete_view, save_view
from salespulse.core.errors import DomainError, NotFound, PermissionDenied
from tests.analytics.analyzer_helpers import all_of, condition
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

SPEC = all_of(condition("stage", "in", ["tech_evaluation"]), condition("days_in_stage", "gte", 5))


@pytest.fixture
def people():
    team = TeamFactory(code="views-team")
    return {
        "manager": UserFactory(username="views_mgr", role=Role.MANAGER, team=team),
        "teammate": UserFactory(username="views_rep", team=team),
        "outsider": UserFactory(username="views_out", team=TeamFactory()),
        "director": UserFactory(username="views_dir", role=Role.DIRECTOR, team=None),
    }


def test_private_view_is_visible_only_to_owner(people):
    view = save_view(actor=people["manager"], name="卡住的评估", filter_json=SPEC, shared=False)

    assert list(visible_saved_views(people["manager"])) == [view]
    assert list(visible_saved_views(people["teammate"])) == []
    assert view.visibility == SavedViewVisibility.PRIVATE and view.team_id is None


def test_shared_view_is_visible_to_team_only(people):
    view = save_view(actor=people["manager"], name="团队视图", filter_json=json.dumps(SPEC), shared=True)

    assert list(visible_saved_views(people["teammate"])) == [view]
    assert list(visible_saved_views(people["outsider"])) == []
    assert list(visible_saved_views(people["director"])) == []
    assert view.filter == SPEC


def test_saving_same_name_replaces_filter(people):
    first = save_view(actor=people["manager"], name="视图", filter_json=SPEC, shared=False)
    second = save_view(actor=people["manager"], name="视图", filter_json=all_of(), shared=True)

    assert first.pk == second.pk
    stored = SavedView.objects.get()
    assert (stored.filter, stored.visibility) == (all_of(), SavedViewVisibility.TEAM)


def test_sharing_without_team_is_rejected(people):
    with pytest.raises(DomainError) as raised:
        save_view(actor=people["director"], name="区域视图", filter_json=SPEC, shared=True)

    assert raised.value.message == "你不属于任何团队，只能保存为仅自己可见。"
    assert SavedView.objects.count() == 0


def test_empty_name_is_rejected(people):
    with pytest.raises(DomainError) as raised:
        save_view(actor=people["manager"], name="  ", filter_json=SPEC, shared=False)

    assert raised.value.field == "name"


def test_name_with_nul_character_is_rejected(people):
    with pytest.raises(DomainError) as raised:
        save_view(actor=people["manager"], name="停滞\x00视图", filter_json=SPEC, shared=False)

    assert (raised.value.code, raised.value.field) == ("view_name_invalid", "name")
    assert SavedView.objects.count() == 0


def test_invalid_filter_is_not_saved(people):
    with pytest.raises(FilterError):
        save_view(actor=people["manager"], name="坏视图", filter_json='{"op": "nand"}', shared=False)

    assert SavedView.objects.count() == 0


def test_teammate_cannot_delete_shared_view(people):
    view = save_view(actor=people["manager"], name="团队视图", filter_json=SPEC, shared=True)

    with pytest.raises(PermissionDenied):
        delete_view(actor=people["teammate"], view_id=view.pk)

    assert SavedView.objects.filter(pk=view.pk).exists()


def test_outsider_cannot_find_view_to_delete(people):
    view = save_view(actor=people["manager"], name="私人视图", filter_json=SPEC, shared=False)

    with pytest.raises(NotFound):
        delete_view(actor=people["outsider"], view_id=view.pk)

    assert SavedView.objects.filter(pk=view.pk).exists()


def test_owner_deletes_view(people):
    view = save_view(actor=people["manager"], name="私人视图", filter_json=SPEC, shared=False)

    delete_view(actor=people["manager"], view_id=view.pk)

    assert not SavedView.objects.exists()


# --- Through the pages ------------------------------------------------------------------


def test_save_form_stores_view_and_opens_it(client, people):
    client.force_login(people["manager"])

    response = client.post(
        reverse("analytics:analyzer_save"), {"name": "评估超5天", "q": json.dumps(SPEC), "shared": "on"}
    )

    view = SavedView.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('analytics:analyzer')}?view={view.pk}"
    assert (view.owner, view.visibility, view.team) == (
        people["manager"], SavedViewVisibility.TEAM, people["manager"].team
    )
    page = client.get(response["Location"])
    assert page.context["spec"] == SPEC
    assert "评估超5天" in page.content.decode()


def test_teammate_opens_shared_view_by_link(client, people):
    view = save_view(actor=people["manager"], name="团队视图", filter_json=SPEC, shared=True)
    client.force_login(people["teammate"])

    response = client.get(reverse("analytics:analyzer"), {"view": view.pk})

    assert response.status_code == 200
    assert response.context["spec"] == SPEC
    assert response.context["saved_view"] == view


def test_outsider_opening_view_gets_404_with_message(client, people):
    view = save_view(actor=people["manager"], name="私人视图", filter_json=SPEC, shared=False)
    client.force_login(people["outsider"])

    response = client.get(reverse("analytics:analyzer"), {"view": view.pk})

    assert response.status_code == 404
    assert f"未找到已保存的视图 {view.pk}，或你无权打开。" in response.content.decode()


def test_delete_form_of_teammate_keeps_view(client, people):
    view = save_view(actor=people["manager"], name="团队视图", filter_json=SPEC, shared=True)
    client.force_login(people["teammate"])

    response = client.post(reverse("analytics:analyzer_delete", args=[view.pk]), follow=True)

    assert SavedView.objects.filter(pk=view.pk).exists()
    assert "只有创建者可以删除" in response.content.decode()


def test_save_form_with_bad_filter_shows_error(client, people):
    client.force_login(people["manager"])

    response = client.post(
        reverse("analytics:analyzer_save"), {"name": "坏视图", "q": "{not json"}, follow=True
    )

    assert SavedView.objects.count() == 0
    assert "筛选条件不是有效的 JSON" in response.content.decode()
