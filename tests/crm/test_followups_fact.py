"""The ``followups_before_close`` activity fact: outbound interactions before a deal closed."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from salespulse.crm.models import Direction
from salespulse.crm.services import refresh_activity_facts
from salespulse.pipeline.models import MoveSource, Stage
from salespulse.pipeline.services import move_opportunity_to_stage
from tests.factories import InteractionFactory, UserFactory, make_opportunity

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOSE = dt.datetime(2025, 6, 1, 10, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.django_db


def _move(opportunity, code, at):
    stage = Stage.objects.get(pipeline=opportunity.pipeline, code=code)
    move_opportunity_to_stage(opportunity=opportunity, to_stage=stage, actor=None, source=MoveSource.DEMO, at=at)
    opportunity.refresh_from_db()
    return opportunity


def _deal():
    return make_opportunity(owner=UserFactory(), created_at=CLOSE - dt.timedelta(days=30))


def _interaction(opportunity, at, direction=Direction.OUTBOUND):
    return InteractionFactory(
        customer=opportunity.customer, opportunity=opportunity, direction=direction, occurred_at=at
    )


def test_losing_a_deal_counts_earlier_outbound_interactions():
    opportunity = _deal()
    for day in (1, 2):
        _interaction(opportunity, CLOSE - dt.timedelta(days=day))

    opportunity = _move(opportunity, "lost", CLOSE)

    assert opportunity.followups_before_close == 2


def test_winning_a_deal_sets_the_fact_too():
    opportunity = _deal()
    _interaction(opportunity, CLOSE - dt.timedelta(hours=1))

    opportunity = _move(opportunity, "won", CLOSE)

    assert opportunity.followups_before_close == 1


def test_outbound_interaction_after_the_close_does_not_count():
    opportunity = _deal()
    _interaction(opportunity, CLOSE - dt.timedelta(days=1))
    opportunity = _move(opportunity, "lost", CLOSE)
    _interaction(opportunity, CLOSE + dt.timedelta(minutes=1))

    refresh_activity_facts([opportunity.pk])

    opportunity.refresh_from_db()
    assert (opportunity.interaction_count, opportunity.followups_before_close) == (2, 1)


def test_inbound_interactions_do_not_count():
    opportunity = _deal()
    _interaction(opportunity, CLOSE - dt.timedelta(days=2))
    _interaction(opportunity, CLOSE - dt.timedelta(days=1), direction=Direction.INBOUND)
    opportunity = _move(opportunity, "lost", CLOSE)

    refresh_activity_facts([opportunity.pk])

    opportunity.refresh_from_db()
    assert (opportunity.interaction_count, opportunity.followups_before_close) == (2, 1)


def test_open_deal_keeps_zero_followups():
    opportunity = _deal()
    _interaction(opportunity, CLOSE - dt.timedelta(days=1))

    refresh_activity_facts([opportunity.pk])

    opportunity.refresh_from_db()
    assert opportunity.followups_before_close == 0


def test_reopening_a_lost_deal_resets_the_fact():
    opportunity = _deal()
    _interaction(opportunity, CLOSE - dt.timedelta(days=1))
    opportunity = _move(opportunity, "lost", CLOSE)

    opportunity = _move(opportunity, "initial_contact", CLOSE + dt.timedelta(days=1))

    assert (opportunity.status, opportunity.followups_before_close) == ("open", 0)
