import datetime as dt

import pytest
from django.utils import timezone

from salespulse.accounts.models import Role
from salespulse.api.services import issue_api_token
from salespulse.knowledge import services
from salespulse.knowledge.models import TalkTrack
from salespulse.pipeline.evidence import record_objection
from tests.api.conftest import ApiClient
from tests.factories import UserFactory
from tests.knowledge.corpus import TRACKS
from tests.personas import build_workspace


@pytest.fixture(autouse=True)
def empty_playbook(db):
    """Start without the default talk tracks the migration installs, so each test's corpus is its own."""
    TalkTrack.objects.all().delete()


@pytest.fixture
def ops(db):
    return UserFactory(username="ops_knowledge", role=Role.OPS, team=None, region=None)


@pytest.fixture
def playbook(ops) -> dict[str, TalkTrack]:
    """The 26 talk tracks of ``tests.knowledge.corpus``, written by ops."""
    return {
        name: services.create_talk_track(
            actor=ops, category=category, title=title, objection_text=words, response=response
        )
        for name, (category, title, words, response) in TRACKS.items()
    }


@pytest.fixture
def workspace(db):
    return build_workspace()


def resolved_objection(
    opportunity, words: str, *, hours: float, response: str = "已解决：按话术回复。", category="compatibility"
):
    """Record an objection on ``opportunity`` raised ``hours + 1`` hours ago and resolved ``hours`` after it."""
    raised_at = timezone.now() - dt.timedelta(hours=hours + 1)
    return record_objection(
        actor=opportunity.owner,
        opportunity=opportunity,
        category=category,
        customer_words=words,
        response=response,
        raised_at=raised_at,
        resolved_at=raised_at + dt.timedelta(hours=hours),
    )


@pytest.fixture
def api_as():
    """Return a function that builds an API client authenticated as the given user."""

    def build(user):
        return ApiClient(issue_api_token(user=user, name="tests").plain)

    return build
