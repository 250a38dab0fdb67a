import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from salespulse.core.errors import Conflict, DomainError, PermissionDenied
from salespulse.crm.models import Opportunity, OpportunityStatus
from salespulse.pipeline.models import MoveSource, StageInterval
from salespulse.pipeline.services import (
    HistoricalMove,
    load_stage_history,
    move_opportunity_to_stage,
    reassign_opportunity,
)
from tests.factories import UserFactory, make_opportunity

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 3, 18, 2, 0, tzinfo=dt.UTC)


def intervals(opportunity):
    return list(StageInterval.objects.filter(opportunity=opportunity).order_by("entered_at", "id"))


def move(opportunity, stage, at, **kwargs):
    kwargs.setdefault("source", MoveSource.FORM)
    return move_opportunity_to_stage(opportunity=opportunity, to_stage=stage, actor=opportunity.owner, at=at, **kwargs)


def test_create_opens_one_interval(stages):
    opportunity = make_opportunity(created_at=T0)

    history = intervals(opportunity)
    assert len(history) == 1
    assert history[0].stage == stages["initial_contact"]
    assert history[0].entered_at == T0
    assert history[0].left_at is None


def test_forward_move_closes_and_opens_interval(stages):
    opportunity = make_opportunity(created_at=T0)
    later = T0 + dt.timedelta(days=3)

    result = move(opportunity, stages["needs_analysis"], later)

    history = intervals(opportunity)
    assert result.moved
    assert not result.is_regression
    assert [i.stage.code for i in history] == ["initial_contact", "needs_analysis"]
    assert history[0].left_at == later
    assert history[1].left_at is None
    assert history[1].from_stage == stages["initial_contact"]
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["needs_analysis"]
    assert opportunity.stage_entered_at == later


def test_same_stage_write_adds_no_interval(stages):
    opportunity = make_opportunity(created_at=T0)

    result = move(opportunity, stages["initial_contact"], T0 + dt.timedelta(days=2))

    assert not result.moved
    assert len(intervals(opportunity)) == 1
    opportunity.refresh_from_db()
    assert opportunity.stage_entered_at == T0


def test_plain_save_of_same_stage_keeps_clock(stages):
    opportunity = make_opportunity(created_at=T0)
    opportunity.name = "改名后的项目"
    opportunity.save()

    opportunity.refresh_from_db()
    assert opportunity.stage_entered_at == T0
    assert len(intervals(opportunity)) == 1


def test_owner_change_adds_no_interval(stages):
    opportunity = make_opportunity(created_at=T0)
    new_owner = UserFactory()

    reassign_opportunity(opportunity=opportunity, new_owner=new_owner, actor=new_owner)

    opportunity.refresh_from_db()
    assert opportunity.owner == new_owner
    assert opportunity.stage_entered_at == T0
    assert len(intervals(opportunity)) == 1


def test_backward_move_needs_reason(stages):
    opportunity = make_opportunity(stage_code="tech_evaluation", created_at=T0)

    with pytest.raises(DomainError) as error:
        move(opportunity, stages["solution_demo"], T0 + dt.timedelta(days=1))

    assert error.value.code == "regression_reason_required"
    assert len(intervals(opportunity)) == 1


def test_backward_move_is_recorded_as_regression(stages):
    opportunity = make_opportunity(stage_code="tech_evaluation", created_at=T0)

    result = move(opportunity, stages["solution_demo"], T0 + dt.timedelta(days=1), reason="客户要求重新演示")

    assert result.is_regression
    assert intervals(opportunity)[-1].is_regression
    assert intervals(opportunity)[-1].reason == "客户要求重新演示"


def test_win_sets_status_and_closed_at(stages):
    opportunity = make_opportunity(stage_code="contract_drafting", created_at=T0)
    won_at = T0 + dt.timedelta(days=5)

    move(opportunity, stages["won"], won_at, won_amount=Decimal("98000.00"))

    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.WON
    assert opportunity.closed_at == won_at
    assert opportunity.won_amount == Decimal("98000.00")


def test_reopening_won_deal_clears_outcome(stages):
    opportunity = make_opportunity(stage_code="contract_drafting", created_at=T0)
    move(opportunity, stages["won"], T0 + dt.timedelta(days=5))

    result = move(opportunity, stages["negotiation"], T0 + dt.timedelta(days=6), reason="合同被院方退回")

    opportunity.refresh_from_db()
    assert result.is_regression
    assert opportunity.status == OpportunityStatus.OPEN
    assert opportunity.closed_at is None
    assert opportunity.won_amount is None
    assert intervals(opportunity)[-1].is_regression


def test_loss_records_stage_and_reason(stages):
    opportunity = make_opportunity(stage_code="negotiation", created_at=T0)

    move(opportunity, stages["lost"], T0 + dt.timedelta(days=4), loss_reason="price")

    opportunity.refresh_from_db()
    assert opportunity.status == OpportunityStatus.LOST
    assert opportunity.lost_at_stage == stages["negotiation"]
    assert opportunity.loss_reason == "price"


def test_stale_expected_stage_conflicts(stages):
    opportunity = make_opportunity(created_at=T0)
    move(opportunity, stages["needs_analysis"], T0 + dt.timedelta(days=1))

    with pytest.raises(Conflict):
        move(opportunity, stages["solution_demo"], T0 + dt.timedelta(days=2), expected_stage=stages["initial_contact"])

    assert len(intervals(opportunity)) == 2


def test_move_earlier_than_entry_rejected(stages):
    opportunity = make_opportunity(created_at=T0)

    with pytest.raises(DomainError) as error:
        move(opportunity, stages["needs_analysis"], T0 - dt.timedelta(hours=1))

    assert error.value.code == "move_before_stage_entry"


def test_database_allows_one_open_interval(stages):
    opportunity = make_opportunity(created_at=T0)

    with pytest.raises(IntegrityError):
        StageInterval.objects.create(
            opportunity=opportunity, stage=stages["needs_analysis"], entered_at=timezone.now(), source=MoveSource.FORM
        )


def test_history_load_collapses_repeats_and_flags_regressions(stages):
    opportunity = make_opportunity(created_at=T0)
    moves = [
        HistoricalMove(stages["initial_contact"], T0),
        HistoricalMove(stages["solution_demo"], T0 + dt.timedelta(days=1)),
        HistoricalMove(stages["solution_demo"], T0 + dt.timedelta(days=2)),
        HistoricalMove(stages["needs_analysis"], T0 + dt.timedelta(days=3)),
        HistoricalMove(stages["lost"], T0 + dt.timedelta(days=4)),
    ]

    load_stage_history(opportunity=opportunity, moves=moves)

    history = intervals(opportunity)
    assert [i.stage.code for i in history] == ["initial_contact", "solution_demo", "needs_analysis", "lost"]
    assert [i.is_regression for i in history] == [False, False, True, False]
    assert all(i.source == MoveSource.HISTORY_IMPORT for i in history)
    opportunity = Opportunity.objects.get(pk=opportunity.pk)
    assert opportunity.status == OpportunityStatus.LOST
    assert opportunity.lost_at_stage == stages["needs_analysis"]


def test_finance_may_not_move_deals(stages):
    opportunity = make_opportunity(created_at=T0)
    finance = UserFactory(role="finance", team=None, region=None)

    with pytest.raises(PermissionDenied) as error:
        move_opportunity_to_stage(
            opportunity=opportunity, to_stage=stages["needs_analysis"], actor=finance,
            source=MoveSource.KANBAN, at=T0 + dt.timedelta(days=1),
        )

    assert error.value.status == 403
    assert len(intervals(opportunity)) == 1
