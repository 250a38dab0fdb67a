import pytest

from salespulse.accounts.models import Role
from salespulse.crm.selectors import visible_customers, visible_opportunities
from tests.factories import CustomerFactory, RegionFactory, TeamFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    """Two regions; region one has two teams. Each rep owns one customer and one deal."""
    east, west = RegionFactory(code="east"), RegionFactory(code="west")
    team_a, team_b = TeamFactory(code="a", region=east), TeamFactory(code="b", region=east)
    team_w = TeamFactory(code="w", region=west)
    people = {
        "rep_a": UserFactory(username="rep_a", team=team_a),
        "rep_a2": UserFactory(username="rep_a2", team=team_a),
        "rep_b": UserFactory(username="rep_b", team=team_b),
        "rep_w": UserFactory(username="rep_w", team=team_w),
    }
    for rep in people.values():
        make_opportunity(owner=rep, customer=CustomerFactory(owner=rep, name=f"{rep.username}医院"))
    people["manager_a"] = UserFactory(username="manager_a", role=Role.MANAGER, team=team_a)
    people["director_east"] = UserFactory(username="director_east", role=Role.DIRECTOR, team=None, region=east)
    for role in (Role.OPS, Role.FINANCE, Role.ADMIN):
        people[role] = UserFactory(username=f"{role}_user", role=role, team=None, region=None)
    return people


def owners_seen(user):
    return sorted(visible_customers(user).values_list("owner__username", flat=True))


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("rep_a", ["rep_a"]),
        ("manager_a", ["rep_a", "rep_a2"]),
        ("director_east", ["rep_a", "rep_a2", "rep_b"]),
        (Role.OPS, ["rep_a", "rep_a2", "rep_b", "rep_w"]),
        (Role.FINANCE, ["rep_a", "rep_a2", "rep_b", "rep_w"]),
        (Role.ADMIN, ["rep_a", "rep_a2", "rep_b", "rep_w"]),
    ],
)
def test_each_role_sees_its_scope(org, viewer, expected):
    assert owners_seen(org[viewer]) == expected
    assert sorted(visible_opportunities(org[viewer]).values_list("owner__username", flat=True)) == expected


def test_manager_without_team_sees_only_own(org):
    lone_manager = UserFactory(username="lone", role=Role.MANAGER, team=None, region=None)

    assert owners_seen(lone_manager) == []


def test_director_without_region_sees_only_own(org):
    lone_director = UserFactory(username="lone_d", role=Role.DIRECTOR, team=None, region=None)

    assert owners_seen(lone_director) == []
