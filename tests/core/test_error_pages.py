import pytest
from django.urls import reverse

from salespulse.accounts.models import Role
from tests.factories import PASSWORD, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in_rep(client):
    rep = UserFactory()
    client.login(username=rep.username, password=PASSWORD)
    return rep


def test_unknown_page_is_chinese(client, signed_in_rep):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_kanban_move_of_hidden_deal_answers_json(client, signed_in_rep, stages):
    others = make_opportunity(owner=UserFactory())

    response = client.post(
        reverse("pipeline:move_opportunity", args=[others.pk]),
        {"to_stage": stages["needs_analysis"].pk, "expected_stage": stages["initial_contact"].pk},
    )

    assert response.status_code == 404
    assert response.json()["code"] == "opportunity_not_found"


def test_finance_kanban_move_is_forbidden(client, stages):
    finance = UserFactory(role=Role.FINANCE, team=None, region=None)
    opportunity = make_opportunity()
    client.login(username=finance.username, password=PASSWORD)

    response = client.post(
        reverse("pipeline:move_opportunity", args=[opportunity.pk]),
        {"to_stage": stages["needs_analysis"].pk, "expected_stage": stages["initial_contact"].pk},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "role_may_not_change_deals"
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["initial_contact"]
