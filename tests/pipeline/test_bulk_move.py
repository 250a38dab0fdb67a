import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from salespulse.accounts.models import Role
from salespulse.core.errors import DomainError
from salespulse.crm.models import Opportunity
from salespulse.pipeline.bulk import MAX_BULK_MOVE, BulkMoveStatus, bulk_move_opportunities
from salespulse.pipeline.models import GateAttempt, MoveSource, Pipeline, Stage, StageInterval
from salespulse.pipeline.services import create_opportunity
from tests.factories import TeamFactory, UserFactory, make_opportunity
from tests.pipeline.gate_helpers import WON_GATE, disable_default_contract_gate, set_gate

pytestmark = pytest.mark.django_db

T0 = timezone.now() - dt.timedelta(days=30)


@pytest.fixture
def team(db):
    return TeamFactory(code="east-1")


@pytest.fixture
def manager(team):
    return UserFactory(username="manager", role=Role.MANAGER, team=team)


@pytest.fixture
def rep(team):
    return UserFactory(username="rep_a", team=team)


@pytest.fixture
def won_gate(stages):
    disable_default_contract_gate(stages)
    return set_gate(stages["won"], WON_GATE)


def deal(owner, stage_code="negotiation", **fields):
    return make_opportunity(owner=owner, stage_code=stage_code, created_at=T0, **fields)


def stage_of(opportunity):
    return Opportunity.objects.get(pk=opportunity.pk).stage.code


def interval_count(opportunity):
    return StageInterval.objects.filter(opportunity=opportunity).count()


def statuses(outcomes):
    return [(outcome.opportunity_id, outcome.status) for outcome in outcomes]


def bulk(actor, ids, stage_code, **kwargs):
    return bulk_move_opportunities(actor=actor, opportunity_ids=ids, stage_code=stage_code, **kwargs)


def test_blocked_deal_stays_while_others_move(manager, rep, won_gate):
    ready = deal(rep, won_amount=Decimal("5000.00"), signed_date=dt.date(2026, 11, 1))
    missing = deal(rep)

    outcomes = bulk(manager, [ready.pk, missing.pk], "won")

    assert statuses(outcomes) == [(ready.pk, BulkMoveStatus.MOVED), (missing.pk, BulkMoveStatus.BLOCKED)]
    assert [item.target for item in outcomes[1].unmet] == ["won_amount", "signed_date"]
    assert stage_of(ready) == "won"
    assert stage_of(missing) == "negotiation"
    assert interval_count(ready) == 2
    assert interval_count(missing) == 1


def test_moves_are_recorded_as_bulk(manager, rep, won_gate):
    ready = deal(rep)
    missing = deal(rep)

    bulk(manager, [missing.pk], "won")
    bulk(manager, [ready.pk], "won", field_values={"won_amount": "7000.00", "signed_date": "2026-11-02"})

    assert GateAttempt.objects.get().source == MoveSource.BULK
    interval = StageInterval.objects.get(opportunity=ready, left_at__isnull=True)
    assert interval.source == MoveSource.BULK
    assert interval.actor == manager
    assert Opportunity.objects.get(pk=ready.pk).won_amount == Decimal("7000.00")


def test_invisible_and_missing_ids_are_not_found(manager, rep, stages):
    outsider = deal(UserFactory(username="rep_n"))

    outcomes = bulk(manager, [outsider.pk, 999999], "tech_evaluation")

    assert statuses(outcomes) == [(outsider.pk, BulkMoveStatus.NOT_FOUND), (999999, BulkMoveStatus.NOT_FOUND)]
    assert stage_of(outsider) == "negotiation"


def test_not_found_message_names_id(manager):
    with override("en"):
        outcome = bulk(manager, [999999], "won")[0]

    assert outcome.message == "Opportunity 999999 does not exist or is not visible to you."


def test_rep_moves_only_own_deals(rep, team):
    colleague = UserFactory(username="rep_b", team=team)
    own, theirs = deal(rep, "solution_demo"), deal(colleague, "solution_demo")

    outcomes = bulk(rep, [own.pk, theirs.pk], "tech_evaluation")

    assert statuses(outcomes) == [(own.pk, BulkMoveStatus.MOVED), (theirs.pk, BulkMoveStatus.NOT_FOUND)]
    assert stage_of(theirs) == "solution_demo"


def test_duplicate_ids_move_once(manager, rep):
    opportunity = deal(rep, "solution_demo")

    outcomes = bulk(manager, [opportunity.pk, opportunity.pk], "tech_evaluation")

    assert statuses(outcomes) == [(opportunity.pk, BulkMoveStatus.MOVED)]
    assert interval_count(opportunity) == 2


def test_deal_already_in_stage_is_unchanged(manager, rep):
    opportunity = deal(rep, "tech_evaluation")

    outcomes = bulk(manager, [opportunity.pk], "tech_evaluation")

    assert statuses(outcomes) == [(opportunity.pk, BulkMoveStatus.UNCHANGED)]
    assert interval_count(opportunity) == 1


def test_backward_move_needs_reason(manager, rep):
    opportunity = deal(rep)

    without = bulk(manager, [opportunity.pk], "solution_demo")
    with_reason = bulk(manager, [opportunity.pk], "solution_demo", reason="预算冻结，退回方案阶段")

    assert (without[0].status, without[0].code) == (BulkMoveStatus.REJECTED, "regression_reason_required")
    assert with_reason[0].status == BulkMoveStatus.MOVED
    assert StageInterval.objects.get(opportunity=opportunity, left_at__isnull=True).is_regression


def test_stage_missing_from_deal_pipeline_is_rejected(manager, rep):
    other = Pipeline.objects.create(code="service", name="维保流程")
    Stage.objects.create(pipeline=other, code="visit", name="上门", position=10)
    service_deal = create_opportunity(actor=rep, name="维保合同", pipeline=other, owner=rep, source=MoveSource.DEMO)
    device_deal = deal(rep, "solution_demo")

    outcomes = bulk(manager, [service_deal.pk, device_deal.pk], "tech_evaluation")

    assert statuses(outcomes) == [(service_deal.pk, BulkMoveStatus.REJECTED), (device_deal.pk, BulkMoveStatus.MOVED)]
    assert outcomes[0].code == "unknown_stage"


def test_invalid_field_value_is_rejected_per_deal(manager, rep, won_gate):
    opportunity = deal(rep)

    outcomes = bulk(manager, [opportunity.pk], "won", field_values={"won_amount": "九万", "signed_date": "2026-11-02"})

    assert (outcomes[0].status, outcomes[0].code) == (BulkMoveStatus.REJECTED, "invalid_value")
    assert stage_of(opportunity) == "negotiation"


def test_too_many_ids_are_rejected(manager):
    with pytest.raises(DomainError) as error:
        bulk(manager, list(range(1, MAX_BULK_MOVE + 2)), "won")

    assert error.value.code == "bulk_move_too_large"


def test_empty_selection_is_rejected(manager):
    with pytest.raises(DomainError) as error:
        bulk(manager, [], "won")

    assert error.value.code == "bulk_move_empty"
