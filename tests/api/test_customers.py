import pytest

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

# Owners whose customers each role may see, in the org of conftest.py.
VISIBLE_OWNERS = {
    "rep_a": {"rep_a"},
    "manager": {"rep_a", "rep_b"},
    "director": {"rep_a", "rep_b", "rep_c"},
    "ops": {"rep_a", "rep_b", "rep_c", "rep_n"},
    "finance": {"rep_a", "rep_b", "rep_c", "rep_n"},
    "admin": {"rep_a", "rep_b", "rep_c", "rep_n"},
}


@pytest.fixture
def customers(org):
    return {
        rep.username: CustomerFactory(owner=rep, name=f"{rep.username} 人民医院")
        for rep in (org.rep_a, org.rep_b, org.rep_c, org.rep_n)
    }


@pytest.mark.parametrize("role", sorted(VISIBLE_OWNERS))
def test_customer_list_follows_role_scope(org, customers, api_as, role):
    response = api_as(getattr(org, role)).get("/api/customers")

    assert response.status_code == 200
    owners = {item["owner"]["username"] for item in response.json()["items"]}
    assert owners == VISIBLE_OWNERS[role]
    assert response.json()["count"] == len(VISIBLE_OWNERS[role])


@pytest.mark.parametrize("role", sorted(VISIBLE_OWNERS))
def test_customer_detail_of_unseen_owner_is_404(org, customers, api_as, role):
    client = api_as(getattr(org, role))

    for owner, customer in customers.items():
        response = client.get(f"/api/customers/{customer.pk}")
        if owner in VISIBLE_OWNERS[role]:
            assert response.status_code == 200, owner
            assert response.json()["name"] == customer.name
        else:
            assert response.status_code == 404, owner
            assert response.json() == {
                "code": "customer_not_found",
                "message": f"客户 {customer.pk} 不存在，或您无权查看。",
                "field": "customer_id",
            }


def test_customer_not_found_in_english(org, customers, api_as):
    response = api_as(org.rep_a, language="en").get(f"/api/customers/{customers['rep_n'].pk}")

    assert response.status_code == 404
    assert (
        response.json()["message"]
        == f"Customer {customers['rep_n'].pk} was not found, or you may not see it."
    )


def test_customer_detail_fields(org, api_as):
    customer = CustomerFactory(
        owner=org.rep_a, name="杭州市第一人民医院", city="杭州", external_id="C-001"
    )

    body = api_as(org.rep_a).get(f"/api/customers/{customer.pk}").json()

    assert body["id"] == customer.pk
    assert body["external_id"] == "C-001"
    assert body["channel"] == {"code": "hospital", "name": customer.channel.name}
    assert body["owner"] == {
        "id": org.rep_a.pk,
        "username": "rep_a",
        "display_name": org.rep_a.display_name,
    }
    assert body["region"]["code"] == "east"
    assert body["created_at"].endswith("Z")


def test_customer_search_matches_name_and_city(org, api_as):
    CustomerFactory(owner=org.ops, name="杭州市第一人民医院", city="杭州")
    CustomerFactory(owner=org.ops, name="宁波妇儿医院", city="宁波")
    CustomerFactory(owner=org.ops, name="绍兴检验中心", city="杭州")

    body = api_as(org.ops).get("/api/customers", q="杭州").json()

    assert sorted(item["name"] for item in body["items"]) == ["杭州市第一人民医院", "绍兴检验中心"]


def test_customer_search_stays_in_scope(org, customers, api_as):
    body = api_as(org.rep_a).get("/api/customers", q="人民医院").json()

    assert [item["owner"]["username"] for item in body["items"]] == ["rep_a"]


def test_customer_pagination(org, api_as):
    for number in range(5):
        CustomerFactory(owner=org.rep_a, name=f"客户{number}")
    client = api_as(org.rep_a)

    first = client.get("/api/customers", page=1, page_size=2).json()
    last = client.get("/api/customers", page=3, page_size=2).json()

    assert first["count"] == 5
    assert [item["name"] for item in first["items"]] == ["客户0", "客户1"]
    assert [item["name"] for item in last["items"]] == ["客户4"]


def test_customer_page_zero_is_422(org, api_as):
    response = api_as(org.rep_a).get("/api/customers", page=0)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["field"] == "page"
    assert response.json()["message"] == "page 不能小于 1，当前为 0。"


def test_customer_list_query_count_is_fixed(org, api_as, django_assert_num_queries):
    client = api_as(org.ops)
    for number in range(10):
        CustomerFactory(owner=org.rep_a if number % 2 else org.rep_n, name=f"客户{number}")

    # Token lookup, last-used update, count, page: independent of the number of rows.
    with django_assert_num_queries(4):
        response = client.get("/api/customers")
    assert len(response.json()["items"]) == 10
