"""Regions, teams and users of the demo workspace, with each rep's selling habits."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from salespulse.accounts.models import Region, Role, Team, User
from salespulse.demo.reference import (
    DEMO_PASSWORD,
    PREFIX,
    REGIONS,
    TEAM_NUMERALS,
    DemoSize,
    person_name,
)

# Usernames printed by `salespulse demo credentials`, one per role.
SIGN_IN_USERNAMES = {
    Role.REP: f"{PREFIX}rep",
    Role.MANAGER: f"{PREFIX}manager",
    Role.DIRECTOR: f"{PREFIX}director",
    Role.OPS: f"{PREFIX}ops",
    Role.FINANCE: f"{PREFIX}finance",
    Role.ADMIN: f"{PREFIX}admin",
}


@dataclass(frozen=True)
class RepProfile:
    """Selling habits of one rep. ``pace`` multiplies stage dwell days, ``win_rate`` is
    the share of closed deals won, and ``loses_on_price`` marks the planted price-losing rep."""

    user: User
    region: Region
    pace: float
    win_rate: float
    regression_rate: float
    loses_on_price: bool = False


@dataclass
class People:
    regions: list[Region] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    reps: list[RepProfile] = field(default_factory=list)

    @property
    def price_loser(self) -> RepProfile:
        return next(rep for rep in self.reps if rep.loses_on_price)


def _username(role: str, number: int, width: int) -> str:
    """Return the sign-in name (demo-manager) for the first user of a role and a
    numbered name (demo-manager-02) for the others."""
    base = f"{PREFIX}{role}"
    return base if number == 1 else f"{base}-{number:0{width}d}"


def create_people(size: DemoSize, rng: random.Random) -> People:
    """Write the regions, teams and users, and return them with the reps' profiles.

    Every demo user gets the same password hash: hashing 200+ passwords with Argon2
    one by one would take most of the generation time.
    """
    people = People()
    password_hash = make_password(DEMO_PASSWORD)
    rep_number = manager_number = 0
    pending_reps: list[tuple[User, int, int]] = []

    for region_index, spec in enumerate(REGIONS, start=1):
        region = Region(code=f"{PREFIX}{spec.code}", name=spec.name)
        people.regions.append(region)
        people.users.append(
            _user(
                _username("director", region_index, 1),
                Role.DIRECTOR,
                rng,
                password_hash,
                region=region,
            )
        )
        for team_index in range(size.teams_per_region):
            team = Team(
                code=f"{PREFIX}{spec.code}-t{team_index + 1}",
                name=f"{spec.province}{TEAM_NUMERALS[team_index % len(TEAM_NUMERALS)]}组",
                region=region,
            )
            people.teams.append(team)
            manager_number += 1
            people.users.append(
                _user(
                    _username("manager", manager_number, 2),
                    Role.MANAGER,
                    rng,
                    password_hash,
                    region=region,
                    team=team,
                )
            )
            for position in range(size.reps_per_team):
                rep_number += 1
                user = _user(
                    _username("rep", rep_number, 3),
                    Role.REP,
                    rng,
                    password_hash,
                    region=region,
                    team=team,
                )
                people.users.append(user)
                pending_reps.append((user, region_index, position))

    for role in (Role.OPS, Role.FINANCE, Role.ADMIN):
        people.users.append(_user(SIGN_IN_USERNAMES[role], role, rng, password_hash))

    Region.objects.bulk_create(people.regions)
    for team in people.teams:
        team.region_id = team.region.pk
    Team.objects.bulk_create(people.teams)
    for user in people.users:
        user.region_id = user.region.pk if user.region else None
        user.team_id = user.team.pk if user.team else None
    User.objects.bulk_create(people.users, batch_size=500)

    regions_by_index = dict(enumerate(people.regions, start=1))
    for user, region_index, position in pending_reps:
        # The third rep of the first team (in demo-manager's team) loses on price.
        loses_on_price = region_index == 1 and user.team == people.teams[0] and position == 2
        people.reps.append(_profile(user, regions_by_index[region_index], rng, loses_on_price))
    return people


def _user(
    username: str, role: str, rng: random.Random, password_hash: str, *, region=None, team=None
) -> User:
    is_admin = role == Role.ADMIN
    return User(
        username=username,
        password=password_hash,
        email=f"{username}@example.com",
        display_name=person_name(rng),
        role=role,
        region=region,
        team=team,
        is_staff=is_admin,
        is_superuser=is_admin,
        external_id=f"{username}",
    )


def _profile(user: User, region: Region, rng: random.Random, loses_on_price: bool) -> RepProfile:
    # A log-normal pace gives a few slow reps with dwell times twice the median.
    pace = min(max(rng.lognormvariate(0.0, 0.3), 0.55), 2.2)
    win_rate = 0.2 if loses_on_price else rng.uniform(0.48, 0.66)
    return RepProfile(
        user=user,
        region=region,
        pace=pace,
        win_rate=win_rate,
        regression_rate=rng.uniform(0.03, 0.12),
        loses_on_price=loses_on_price,
    )
