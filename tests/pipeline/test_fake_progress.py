import datetime as dt
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from salespulse.accounts.models import Role
from salespulse.pipeline.fake_progress import ReversalShare, fake_progress_report, gate_effects
from salespulse.pipeline.models import MoveSource, StageGate
from salespulse.pipeline.services import GateBlocked, HistoricalMove, load_stage_history, move_opportunity_to_stage
from tests.factories import TeamFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = {"start": dt.date(2026, 3, 1), "end": dt.date(2026, 3, 31)}


def local(month, day, hour=10, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def history(owner, stages, *moves):
    """Create a deal of ``owner`` and load its stage history as (stage code, local time) pairs."""
    opportunity = make_opportunity(owner=owner, created_at=moves[0][1])
    load_stage_history(
        opportunity=opportunity, moves=[HistoricalMove(stages[code], at) for code, at in moves]
    )
    return opportunity


@pytest.fixture
def people(db):
    east_1 = TeamFactory(code="east-1")
    east_2 = TeamFactory(code="east-2", region=east_1.region)
    return {
        "rep_a": UserFactory(username="rep_a", display_name="A", team=east_1),
        "rep_b": UserFactory(username="rep_b", display_name="B", team=east_1),
        "rep_c": UserFactory(username="rep_c", display_name="C", team=east_2),
        "manager": UserFactory(username="manager", role=Role.MANAGER, team=east_1),
        "ops": UserFactory(username="ops", role=Role.OPS, team=None, region=None),
    }


@pytest.fixture
def march_moves(people, stages):
    """Forward moves in March 2026 (Beijing time): rep_a 4 (2 reversed), rep_b 1 (1), rep_c 2 (0)."""
    rep_a, rep_b, rep_c = people["rep_a"], people["rep_b"], people["rep_c"]
    # Two forward moves; the regression 5 days later falls below solution_demo only.
    history(rep_a, stages, ("initial_contact", local(3, 1)), ("needs_analysis", local(3, 2)),
            ("solution_demo", local(3, 5)), ("needs_analysis", local(3, 10)))
    # Reversed after 17 days: not fake progress.
    history(rep_a, stages, ("initial_contact", local(2, 20)), ("solution_demo", local(3, 3)),
            ("initial_contact", local(3, 20)))
    # A win reopened 8 days later, after the end of the period.
    history(rep_a, stages, ("negotiation", local(2, 1)), ("won", local(3, 28)), ("negotiation", local(4, 5)))
    # A loss is not a forward move.
    history(rep_a, stages, ("negotiation", local(2, 1)), ("lost", local(3, 15)))
    # The last local minute of the period counts; the regression is 13 days 23.5 hours later.
    history(rep_b, stages, ("initial_contact", local(3, 1)), ("tech_evaluation", local(3, 31, 23, 30)),
            ("solution_demo", local(4, 14, 23, 0)))
    # Still March 31 in UTC, but April 1 in Beijing: outside the period.
    history(rep_b, stages, ("initial_contact", local(3, 1)), ("needs_analysis", local(4, 1, 0, 30)))
    deal = history(rep_c, stages, ("initial_contact", local(3, 1)), ("needs_analysis", local(3, 2)),
                   ("solution_demo", local(3, 3)))
    # Moves by the system are not counted.
    move_opportunity_to_stage(opportunity=deal, to_stage=stages["tech_evaluation"], actor=None,
                              source=MoveSource.SYSTEM, at=local(3, 4))


def figures(share):
    return (share.forward_moves, share.reversed_moves, share.share)


def test_total_share_of_reversed_moves(people, march_moves):
    report = fake_progress_report(people["ops"], **MARCH)

    assert figures(report.total) == (7, 3, Decimal("0.4286"))


def test_share_per_rep(people, march_moves):
    report = fake_progress_report(people["ops"], **MARCH)

    assert [(row.rep.username, *figures(row.figures)) for row in report.reps] == [
        ("rep_a", 4, 2, Decimal("0.5000")),
        ("rep_b", 1, 1, Decimal("1.0000")),
        ("rep_c", 2, 0, Decimal("0.0000")),
    ]


def test_share_per_team(people, march_moves):
    report = fake_progress_report(people["ops"], **MARCH)

    assert [(row.team.code, *figures(row.figures)) for row in report.teams] == [
        ("east-1", 5, 3, Decimal("0.6000")),
        ("east-2", 2, 0, Decimal("0.0000")),
    ]


def test_manager_sees_own_team_only(people, march_moves):
    report = fake_progress_report(people["manager"], **MARCH)

    assert figures(report.total) == (5, 3, Decimal("0.6000"))
    assert [row.rep.username for row in report.reps] == ["rep_a", "rep_b"]


def test_rep_sees_own_moves_only(people, march_moves):
    report = fake_progress_report(people["rep_b"], **MARCH)

    assert figures(report.total) == (1, 1, Decimal("1.0000"))
    assert [row.rep.username for row in report.reps] == ["rep_b"]


def test_moves_are_credited_to_owner_at_move_time(people, stages):
    deal = history(people["rep_a"], stages, ("initial_contact", local(3, 1)), ("needs_analysis", local(3, 2)))
    deal.owner = people["rep_c"]
    deal.save(update_fields=["owner"])

    report = fake_progress_report(people["ops"], **MARCH)

    assert [row.rep.username for row in report.reps] == ["rep_a"]


def test_empty_period_has_no_share(people):
    report = fake_progress_report(people["ops"], **MARCH)

    assert figures(report.total) == (0, 0, None)
    assert report.reps == []
    assert report.teams == []


def test_report_query_count_is_fixed(people, march_moves, django_assert_num_queries):
    with django_assert_num_queries(7):
        fake_progress_report(people["ops"], **MARCH)


@given(forward=st.integers(min_value=1, max_value=10**6), data=st.data())
def test_share_is_rounded_half_up_to_four_places(forward, data):
    reversed_moves = data.draw(st.integers(min_value=0, max_value=forward))

    share = ReversalShare(forward, reversed_moves).share

    exact = Fraction(reversed_moves, forward)
    assert abs(Fraction(share) - exact) <= Fraction(1, 20000)
    assert Fraction(share) - exact != Fraction(-1, 20000)
    assert share.as_tuple().exponent == -4


# --- Gates before and after they were switched on ----------------------------------------

ENABLED_AT = local(3, 15, 0, 0)
LATER = local(9, 1)


@pytest.fixture
def contract_gate(stages):
    gate = StageGate.objects.get(stage=stages["contract_drafting"])
    gate.enabled_at = ENABLED_AT
    gate.save(update_fields=["enabled_at"])
    return gate


@pytest.fixture
def gate_moves(people, stages, contract_gate):
    """Moves the contract gate checks: two before it was on (one reversed), one after."""
    rep_a = people["rep_a"]
    history(rep_a, stages, ("negotiation", local(2, 1)), ("contract_drafting", local(3, 1)),
            ("negotiation", local(3, 5)))
    # Skips contract drafting, so the gate checks it too.
    history(rep_a, stages, ("tech_evaluation", local(2, 1)), ("won", local(3, 2)))
    # Below the gated stage: not checked.
    history(rep_a, stages, ("solution_demo", local(2, 1)), ("tech_evaluation", local(3, 3)),
            ("solution_demo", local(3, 4)))
    history(rep_a, stages, ("negotiation", local(3, 1)), ("contract_drafting", local(3, 20)))


def effect_of(effects, gate):
    return next(effect for effect in effects if effect.gate.pk == gate.pk)


def test_gate_share_before_and_after_switch_on(people, gate_moves, contract_gate):
    effects = gate_effects(people["ops"], since=local(3, 1, 0, 0), until=local(4, 1, 0, 0), now=LATER)

    effect = effect_of(effects, contract_gate)
    assert effect.window == dt.timedelta(days=90)
    assert figures(effect.before) == (2, 1, Decimal("0.5000"))
    assert figures(effect.after) == (1, 0, Decimal("0.0000"))


def test_gate_windows_shrink_to_stay_equal(people, gate_moves, contract_gate):
    now = ENABLED_AT + dt.timedelta(days=13)

    effect = effect_of(gate_effects(people["ops"], since=local(3, 1, 0, 0), until=local(4, 1, 0, 0), now=now),
                       contract_gate)

    assert effect.window == dt.timedelta(days=13)
    # The window before starts on March 2, so the reversed move of March 1 drops out.
    assert figures(effect.before) == (1, 0, Decimal("0.0000"))
    assert figures(effect.after) == (1, 0, Decimal("0.0000"))


def test_gate_never_switched_on_has_no_windows(people, stages):
    gate = StageGate.objects.create(stage=stages["won"], rule={"type": "field", "field": "signed_date", "op": "present"},
                                    enabled=False, enabled_at=None)

    effect = effect_of(gate_effects(people["ops"], since=local(3, 1, 0, 0), until=local(4, 1, 0, 0)), gate)

    assert (effect.window, effect.before, effect.after) == (None, None, None)


def try_contract_drafting(opportunity, stages, when):
    with time_machine.travel(when, tick=False), pytest.raises(GateBlocked):
        move_opportunity_to_stage(opportunity=opportunity, to_stage=stages["contract_drafting"],
                                  actor=opportunity.owner, source=MoveSource.KANBAN)


def test_blocked_attempts_per_gate_in_period(people, stages, contract_gate):
    own = make_opportunity(owner=people["rep_a"], stage_code="negotiation", created_at=local(2, 1))
    other_team = make_opportunity(owner=people["rep_c"], stage_code="negotiation", created_at=local(2, 1))
    try_contract_drafting(own, stages, local(3, 16))
    try_contract_drafting(own, stages, local(3, 17))
    try_contract_drafting(own, stages, local(4, 2))
    try_contract_drafting(other_team, stages, local(3, 18))

    manager_view = fake_progress_report(people["manager"], now=LATER, **MARCH)
    ops_view = fake_progress_report(people["ops"], now=LATER, **MARCH)

    assert effect_of(manager_view.gates, contract_gate).blocked_attempts == 2
    assert effect_of(ops_view.gates, contract_gate).blocked_attempts == 3
