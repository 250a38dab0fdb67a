"""A small org for API tests: two teams in region east, one team in region north.

east-1: rep_a, rep_b and their manager; east-2: rep_c; north-1: rep_n.
director may see region east; ops, finance and admin may see everything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test import Client

from salespulse.accounts.models import Role, User
from salespulse.api.services import issue_api_token
from tests.factories import RegionFactory, TeamFactory, UserFactory


@dataclass
class Org:
    rep_a: User
    rep_b: User
    rep_c: User
    rep_n: User
    manager: User
    director: User
    ops: User
    finance: User
    admin: User


@pytest.fixture
def org(db) -> Org:
    east = RegionFactory(code="east", name="华东区")
    north = RegionFactory(code="north", name="华北区")
    east_1 = TeamFactory(code="east-1", region=east)
    east_2 = TeamFactory(code="east-2", region=east)
    north_1 = TeamFactory(code="north-1", region=north)
    return Org(
        rep_a=UserFactory(username="rep_a", team=east_1),
        rep_b=UserFactory(username="rep_b", team=east_1),
        rep_c=UserFactory(username="rep_c", team=east_2),
        rep_n=UserFactory(username="rep_n", team=north_1),
        manager=UserFactory(username="manager", role=Role.MANAGER, team=east_1),
        director=UserFactory(username="director", role=Role.DIRECTOR, team=None, region=east),
        ops=UserFactory(username="ops", role=Role.OPS, team=None, region=None),
        finance=UserFactory(username="finance", role=Role.FINANCE, team=None, region=None),
        admin=UserFactory(username="admin", role=Role.ADMIN, team=None, region=None),
    )


class ApiClient:
    """A test client that sends one bearer token and a language with every request."""

    def __init__(self, token: str | None, language: str | None = None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if language:
            self.headers["Accept-Language"] = language

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body=None):
        """POST ``body`` as JSON (a dict or list), or as raw text when it is a str or bytes."""
        if body is None:
            body = {}
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.client.post(path, data, content_type="application/json", headers=self.headers)

    def patch(self, path: str, body: dict):
        return self.client.patch(path, json.dumps(body), content_type="application/json", headers=self.headers)

    def upload(self, path: str, **fields):
        """POST multipart form data; pass files as open file objects."""
        return self.client.post(path, fields, headers=self.headers)


@pytest.fixture
def api_as():
    """Return a function that builds an ApiClient authenticated as the given user."""

    def build(user: User, language: str | None = None) -> ApiClient:
        return ApiClient(issue_api_token(user=user, name="tests").plain, language)

    return build
