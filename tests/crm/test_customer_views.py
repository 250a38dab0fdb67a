import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from salespulse.crm.models import Channel, CustomerTier, Direction, InteractionChannel
from salespulse.pipeline.models import MoveSource, Pipeline
from salespulse.pipeline.services import move_opportunity_to_stage
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    InteractionFactory,
    UserFactory,
    make_opportunity,
)
from tests.personas import EXPECTED_VISIBLE_OWNERS, OWNING_USERS, build_workspace

pytestmark = pytest.mark.django_db

LIST_URL = reverse("crm:customer_list")


@pytest.fixture
def workspace(db):
    return build_workspace()


def listed_names(response) -> set[str]:
    return {customer.name for customer in response.context["page"].object_list}


@pytest.mark.parametrize("persona", sorted(EXPECTED_VISIBLE_OWNERS))
def test_customer_list_shows_only_visible_customers(client, workspace, persona):
    client.force_login(workspace.users[persona])

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert listed_names(response) == {
        f"{owner}的医院" for owner in EXPECTED_VISIBLE_OWNERS[persona]
    }


@pytest.mark.parametrize("persona", sorted(EXPECTED_VISIBLE_OWNERS))
def test_customer_detail_opens_only_visible_customers(client, workspace, persona):
    client.force_login(workspace.users[persona])

    for owner in OWNING_USERS:
        response = client.get(reverse("crm:customer_detail", args=[workspace.customers[owner].pk]))
        expected = 200 if owner in EXPECTED_VISIBLE_OWNERS[persona] else 404
        assert response.status_code == expected, (persona, owner)


def test_customer_of_other_region_is_404_for_rep(client, workspace):
    client.force_login(workspace.users["rep_north1"])

    response = client.get(
        reverse("crm:customer_detail", args=[workspace.customers["rep_east1"].pk])
    )

    assert response.status_code == 404
    assert "rep_east1的医院" not in response.content.decode()


def test_customer_list_requires_sign_in(client):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_customer_list_is_chinese_by_default(client):
    client.force_login(UserFactory())

    response = client.get(LIST_URL)

    assert "客户" in response.content.decode()
    assert '<html lang="zh-hans">' in response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["仁济", "RJ", "CUST-0042", "138 0013 8000", "13800138000"],
    ids=["name", "short-name", "external-id", "phone-with-spaces", "phone"],
)
def test_customer_search_matches_each_field(client, query):
    owner = UserFactory()
    target = CustomerFactory(
        name="上海仁济医院", short_name="RJ", external_id="CUST-0042", owner=owner
    )
    ContactFactory(customer=target, phone="13800138000")
    CustomerFactory(name="华山医院", short_name="HS", owner=owner)
    client.force_login(owner)

    response = client.get(LIST_URL, {"q": query})

    assert listed_names(response) == {"上海仁济医院"}


def test_customer_search_never_widens_visibility(client):
    rep = UserFactory()
    CustomerFactory(name="上海仁济医院", owner=UserFactory())
    client.force_login(rep)

    response = client.get(LIST_URL, {"q": "仁济"})

    assert listed_names(response) == set()
    assert "没有符合筛选条件的客户" in response.content.decode()


def test_customer_filters_by_channel_and_tier(client):
    owner = UserFactory()
    tier_a = CustomerTier.objects.get(code="a")
    lab = Channel.objects.get(code="third_party_lab")
    CustomerFactory(name="金域检验", channel=lab, tier=tier_a, owner=owner)
    CustomerFactory(name="迪安检验", channel=lab, owner=owner)
    CustomerFactory(name="瑞金医院", tier=tier_a, owner=owner)
    client.force_login(owner)

    response = client.get(LIST_URL, {"channel": lab.pk, "tier": tier_a.pk})

    assert listed_names(response) == {"金域检验"}


def test_customer_filters_by_owner_and_region(client, workspace):
    client.force_login(workspace.users["director_east"])
    rep = workspace.users["rep_east2"]

    by_owner = client.get(LIST_URL, {"owner": rep.pk})
    by_region = client.get(LIST_URL, {"region": rep.region_id})

    assert listed_names(by_owner) == {"rep_east2的医院"}
    assert listed_names(by_region) == {"rep_east1的医院", "rep_east1b的医院", "rep_east2的医院"}


def test_customer_filter_rejects_owner_outside_scope(client, workspace):
    client.force_login(workspace.users["rep_east1"])

    response = client.get(LIST_URL, {"owner": workspace.users["rep_north1"].pk})

    assert response.context["form"].errors["owner"]
    assert listed_names(response) == {"rep_east1的医院"}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("new", {"今年新客户"}), ("repeat", {"老客户"}), ("prospect", {"未成交客户"})],
)
def test_customer_filter_new_vs_repeat(client, kind, expected):
    owner = UserFactory()
    this_year = timezone.localdate().year
    CustomerFactory(name="今年新客户", owner=owner, first_purchase_date=dt.date(this_year, 1, 1))
    CustomerFactory(name="老客户", owner=owner, first_purchase_date=dt.date(this_year - 1, 12, 31))
    CustomerFactory(name="未成交客户", owner=owner, first_purchase_date=None)
    client.force_login(owner)

    response = client.get(LIST_URL, {"kind": kind})

    assert listed_names(response) == expected


def test_customer_list_paginates_25_per_page(client):
    owner = UserFactory()
    for index in range(30):
        CustomerFactory(name=f"客户{index:02d}", owner=owner)
    client.force_login(owner)

    first = client.get(LIST_URL)
    second = client.get(LIST_URL, {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert listed_names(second) == {f"客户{index:02d}" for index in range(25, 30)}
    assert "第 2 / 2 页" in second.content.decode()


def test_customer_list_htmx_returns_results_fragment_only(client):
    owner = UserFactory()
    CustomerFactory(name="瑞金医院", owner=owner)
    client.force_login(owner)

    response = client.get(LIST_URL, {"q": "瑞金"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="customer-results">')
    assert "瑞金医院" in body
    assert "<html" not in body


def test_customer_list_query_count_is_flat(client, django_assert_max_num_queries):
    owner = UserFactory()
    for index in range(40):
        customer = CustomerFactory(name=f"客户{index:02d}", owner=owner)
        ContactFactory(customer=customer, phone=f"1380000{index:04d}")
    client.force_login(owner)

    # session, user, count, page, then the filter form's four option lists.
    with django_assert_max_num_queries(8):
        response = client.get(LIST_URL, {"q": "客户"})

    assert len(response.context["page"].object_list) == 25


def test_customer_page_shows_contacts_and_open_opportunities(client):
    owner = UserFactory()
    customer = CustomerFactory(name="瑞金医院", owner=owner)
    ContactFactory(customer=customer, name="王主任", phone="13900001111", is_decision_maker=True)
    make_opportunity(owner=owner, customer=customer, name="CT 采购")
    make_opportunity(owner=owner, customer=customer, name="已赢项目", stage_code="won")
    client.force_login(owner)

    response = client.get(reverse("crm:customer_detail", args=[customer.pk]))

    body = response.content.decode()
    assert "王主任" in body
    assert "决策人" in body
    assert [item.name for item in response.context["opportunities"]] == ["CT 采购"]


def test_customer_timeline_merges_interactions_and_moves_by_time(client):
    owner = UserFactory()
    customer = CustomerFactory(name="瑞金医院", owner=owner)
    t0 = dt.datetime(2025, 3, 18, 1, 0, tzinfo=dt.UTC)
    opportunity = make_opportunity(owner=owner, customer=customer, created_at=t0)
    InteractionFactory(customer=customer, occurred_at=t0 + dt.timedelta(days=1), text="首次拜访")
    stage = Pipeline.objects.get(is_default=True).stages.get(code="needs_analysis")
    move_opportunity_to_stage(
        opportunity=opportunity,
        to_stage=stage,
        actor=owner,
        source=MoveSource.FORM,
        at=t0 + dt.timedelta(days=2),
    )
    InteractionFactory(
        customer=customer,
        occurred_at=t0 + dt.timedelta(days=3),
        channel=InteractionChannel.PHONE,
        direction=Direction.INBOUND,
        text="客户来电询价",
    )
    client.force_login(owner)

    response = client.get(reverse("crm:customer_detail", args=[customer.pk]))

    timeline = response.context["timeline"]
    assert [entry.kind for entry in timeline] == [
        "interaction",
        "stage_move",
        "interaction",
        "stage_move",
    ]
    assert [entry.at for entry in timeline] == sorted(
        (entry.at for entry in timeline), reverse=True
    )


def test_customer_timeline_shows_shanghai_time(client):
    owner = UserFactory()
    customer = CustomerFactory(owner=owner)
    # 2025-03-18 23:30 UTC is 2025-03-19 07:30 in Asia/Shanghai.
    InteractionFactory(
        customer=customer, occurred_at=dt.datetime(2025, 3, 18, 23, 30, tzinfo=dt.UTC)
    )
    client.force_login(owner)

    response = client.get(reverse("crm:customer_detail", args=[customer.pk]))

    assert "2025-03-19 07:30" in response.content.decode()


def test_customer_timeline_hides_opportunities_of_invisible_owners(client):
    rep = UserFactory()
    customer = CustomerFactory(owner=rep)
    make_opportunity(owner=UserFactory(), customer=customer, name="别人的商机")
    client.force_login(rep)

    response = client.get(reverse("crm:customer_detail", args=[customer.pk]))

    assert "别人的商机" not in response.content.decode()
    assert response.context["timeline"] == []
