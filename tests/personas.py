"""A small workspace with one user per role, for visibility tests through the screens.

Region east: team east-1 (manager_east1, rep_east1, rep_east1b), team east-2 (rep_east2),
director_east. Region north: team north-1 (rep_north1). Ops, finance and admin have no
team. Every rep owns one customer with one open opportunity named after the rep.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from salespulse.accounts.models import Role, User
from salespulse.crm.models import Customer, Opportunity
from tests.factories import (
    CustomerFactory,
    RegionFactory,
    TeamFactory,
    UserFactory,
    make_opportunity,
)

OWNING_USERS = ("rep_east1", "rep_east1b", "rep_east2", "rep_north1")


@dataclass
class Workspace:
    users: dict[str, User] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    opportunities: dict[str, Opportunity] = field(default_factory=dict)


# Which owners' records each persona sees.
EXPECTED_VISIBLE_OWNERS = {
    "rep_east1": {"rep_east1"},
    "manager_east1": {"rep_east1", "rep_east1b"},
    "director_east": {"rep_east1", "rep_east1b", "rep_east2"},
    "ops": set(OWNING_USERS),
    "finance": set(OWNING_USERS),
    "admin": set(OWNING_USERS),
    "rep_north1": {"rep_north1"},
}


def build_workspace() -> Workspace:
    east = RegionFactory(code="east", name="华东区")
    north = RegionFactory(code="north", name="华北区")
    east1 = TeamFactory(code="east-1", name="华东一组", region=east)
    east2 = TeamFactory(code="east-2", name="华东二组", region=east)
    north1 = TeamFactory(code="north-1", name="华北一组", region=north)

    workspace = Workspace()
    people = {
        "rep_east1": {"team": east1},
        "rep_east1b": {"team": east1},
        "rep_east2": {"team": east2},
        "rep_north1": {"team": north1},
        "manager_east1": {"team": east1, "role": Role.MANAGER},
        "director_east": {"team": None, "region": east, "role": Role.DIRECTOR},
        "ops": {"team": None, "region": None, "role": Role.OPS},
        "finance": {"team": None, "region": None, "role": Role.FINANCE},
        "admin": {"team": None, "region": None, "role": Role.ADMIN},
    }
    for username, fields in people.items():
        workspace.users[username] = UserFactory(username=username, display_name=username, **fields)

    for username in OWNING_USERS:
        owner = workspace.users[username]
        customer = CustomerFactory(name=f"{username}的医院", owner=owner)
        workspace.customers[username] = customer
        workspace.opportunities[username] = make_opportunity(
            owner=owner, customer=customer, name=f"{username}的商机"
        )
    return workspace
