import datetime as dt
import random

import numpy
import pytest

from salespulse.accounts.models import Role
from salespulse.analytics import detectors
from salespulse.analytics.models import Alert, AlertKind, AlertStatus, DetectorRun
from salespulse.crm.models import Direction, LeadStatus, Opportunity
from salespulse.crm.services import refresh_activity_facts
from salespulse.pipeline.models import MoveSource, Stage
from salespulse.pipeline.services import move_opportunity_to_stage
from tests.analytics.helpers import deal_path, local
from tests.factories import CustomerFactory, InteractionFactory, LeadFactory, TeamFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 31, 12, 0)


def alerts(kind):
    return list(Alert.objects.filter(kind=kind).order_by("id"))


# 1. Several reps on one customer


@pytest.fixture
def three_reps_on_customer():
    reps = [UserFactory() for _ in range(3)]
    customer = CustomerFactory(owner=reps[0])
    other = CustomerFactory(owner=reps[0])
    start = local(2026, 3, 1, 9, 0)
    for rep, days in zip(reps, (0, 10, 29), strict=True):
        InteractionFactory(customer=customer, owner=rep, occurred_at=start + dt.timedelta(days=days))
    for rep, days in zip(reps, (0, 10, 31), strict=True):
        InteractionFactory(
            customer=other, owner=rep, occurred_at=start - dt.timedelta(days=40) + dt.timedelta(days=days)
        )
    return customer, other, reps


def test_three_reps_within_30_days_alert(three_reps_on_customer):
    customer, _, reps = three_reps_on_customer

    result = detectors.detect_multi_rep_customers(NOW)

    assert (result.found, result.opened) == (1, 1)
    (alert,) = alerts(AlertKind.MULTI_REP_CUSTOMER)
    assert alert.customer_id == customer.pk
    assert alert.owner_id == reps[0].pk
    assert alert.evidence["rep_ids"] == sorted(rep.pk for rep in reps)
    assert len(alert.evidence["interaction_ids"]) == 3


def test_three_reps_spread_over_31_days_no_alert(three_reps_on_customer):
    _, other, _ = three_reps_on_customer

    windows = detectors.find_multi_rep_customers()

    assert other.pk not in {window.customer_id for window in windows}


@pytest.mark.parametrize(("last_offset", "found"), [(dt.timedelta(microseconds=-100), 1), (dt.timedelta(0), 0)])
def test_window_edge_to_the_microsecond(last_offset, found):
    # The window is 30 days from the first interaction, the end excluded.
    reps = [UserFactory() for _ in range(3)]
    customer = CustomerFactory(owner=reps[0])
    first = dt.datetime(2026, 9, 1, 0, 0, 0, 400, tzinfo=dt.UTC)
    moments = (first, first + dt.timedelta(days=14), first + dt.timedelta(days=30) + last_offset)
    for rep, moment in zip(reps, moments, strict=True):
        InteractionFactory(customer=customer, owner=rep, occurred_at=moment)

    assert len(detectors.find_multi_rep_customers()) == found


def test_same_rep_many_times_is_one_rep():
    rep, colleague = UserFactory(), UserFactory()
    customer = CustomerFactory(owner=rep)
    for hours in range(5):
        InteractionFactory(customer=customer, owner=rep, occurred_at=NOW - dt.timedelta(hours=hours))
    InteractionFactory(customer=customer, owner=colleague, occurred_at=NOW)

    assert detectors.find_multi_rep_customers() == []


def test_rerun_updates_instead_of_duplicating(three_reps_on_customer):
    detectors.detect_multi_rep_customers(NOW)
    later = NOW + dt.timedelta(hours=1)

    result = detectors.detect_multi_rep_customers(later)

    assert (result.opened, result.updated, result.resolved) == (0, 1, 0)
    (alert,) = alerts(AlertKind.MULTI_REP_CUSTOMER)
    assert alert.first_seen == NOW
    assert alert.last_seen == later
    assert DetectorRun.objects.filter(kind=AlertKind.MULTI_REP_CUSTOMER).count() == 2


def test_alert_resolved_when_window_leaves_lookback(three_reps_on_customer):
    detectors.detect_multi_rep_customers(NOW)

    result = detectors.detect_multi_rep_customers(NOW + dt.timedelta(days=120))

    assert result.resolved == 1
    (alert,) = alerts(AlertKind.MULTI_REP_CUSTOMER)
    assert alert.status == AlertStatus.RESOLVED


def test_dismissed_alert_stays_dismissed_while_pattern_lasts(three_reps_on_customer):
    detectors.detect_multi_rep_customers(NOW)
    Alert.objects.update(status=AlertStatus.DISMISSED)

    result = detectors.detect_multi_rep_customers(NOW + dt.timedelta(hours=1))

    assert result.opened == 0
    assert [alert.status for alert in alerts(AlertKind.MULTI_REP_CUSTOMER)] == [AlertStatus.DISMISSED]


# 2. Repeated regressions


def regress(owner, at):
    return deal_path(
        owner, at - dt.timedelta(days=1), [("tech_evaluation", at - dt.timedelta(hours=12)), ("solution_demo", at)]
    )


def advance(owner, at):
    return deal_path(
        owner, at - dt.timedelta(days=1), [("tech_evaluation", at - dt.timedelta(hours=12)), ("negotiation", at)]
    )


def test_three_regressions_in_a_row_alert():
    rep = UserFactory()
    deals = [regress(rep, local(2026, 3, day)) for day in (2, 3, 4)]

    result = detectors.detect_repeated_regressions(NOW)

    assert result.found == 1
    (alert,) = alerts(AlertKind.REPEATED_REGRESSION)
    assert alert.owner_id == rep.pk
    assert alert.evidence["moves"] == 3
    assert alert.evidence["opportunity_ids"] == sorted(deal.pk for deal in deals)


def test_forward_move_breaks_the_run():
    rep = UserFactory()
    regress(rep, local(2026, 3, 2))
    regress(rep, local(2026, 3, 3))
    advance(rep, local(2026, 3, 4))
    regress(rep, local(2026, 3, 5))

    assert detectors.detect_repeated_regressions(NOW).found == 0


def test_regressions_out_of_different_stages_do_not_add_up():
    rep = UserFactory()
    regress(rep, local(2026, 3, 2))
    regress(rep, local(2026, 3, 3))
    deal_path(rep, local(2026, 3, 3), [("negotiation", local(2026, 3, 4)), ("tech_evaluation", local(2026, 3, 5))])

    assert detectors.detect_repeated_regressions(NOW).found == 0


@pytest.mark.parametrize(("break_before_since", "moves"), [(False, 4), (True, 2)])
def test_run_reaching_back_before_the_lookback(break_before_since, moves):
    # Two regressions before `since` and two after: one run of four, unless an ordinary
    # move before `since` splits it.
    rep = UserFactory()
    since = local(2026, 3, 10)
    for day in (5, 7):
        regress(rep, local(2026, 3, day))
    if break_before_since:
        advance(rep, local(2026, 3, 8))
    for day in (12, 14):
        regress(rep, local(2026, 3, day))

    runs = detectors.find_regression_runs(since=since, min_run=2)

    assert [run["moves"] for run in runs] == [moves]


# 3. Interactions without progress


def deal_with_interactions(total, non_substantive):
    deal = make_opportunity(stage_code="solution_demo")
    for index in range(total):
        InteractionFactory(
            customer=deal.customer,
            owner=deal.owner,
            opportunity=deal,
            occurred_at=NOW - dt.timedelta(days=index),
            substantive=index >= non_substantive,
        )
    refresh_activity_facts([deal.pk])
    return deal


def test_eleven_interactions_seven_without_progress_alert():
    flagged = deal_with_interactions(11, 7)
    deal_with_interactions(10, 5)  # 50 % without progress
    deal_with_interactions(9, 9)  # fewer than 10 interactions

    detectors.detect_no_progress(NOW)

    (alert,) = alerts(AlertKind.NO_PROGRESS)
    assert alert.opportunity_id == flagged.pk
    assert alert.evidence == {"opportunity_id": flagged.pk, "interactions": 11, "non_substantive": 7, "share": 0.636}


def test_exactly_sixty_percent_without_progress_alerts():
    flagged = deal_with_interactions(10, 6)

    detectors.detect_no_progress(NOW)

    assert [alert.opportunity_id for alert in alerts(AlertKind.NO_PROGRESS)] == [flagged.pk]


def test_no_progress_rule_configurable(settings):
    settings.SALESPULSE_DETECTORS = {AlertKind.NO_PROGRESS: {"min_interactions": 5, "min_share": 0.5}}
    flagged = deal_with_interactions(6, 3)

    detectors.detect_no_progress(NOW)

    assert [alert.opportunity_id for alert in alerts(AlertKind.NO_PROGRESS)] == [flagged.pk]


# 4. Untouched leads


def test_leads_untouched_over_seven_days_alert():
    stale = LeadFactory(created_at=NOW - dt.timedelta(days=30), last_activity_at=NOW - dt.timedelta(days=8))
    never = LeadFactory(created_at=NOW - dt.timedelta(days=10))
    LeadFactory(created_at=NOW - dt.timedelta(days=30), last_activity_at=NOW - dt.timedelta(days=6))
    LeadFactory(created_at=NOW - dt.timedelta(days=30), status=LeadStatus.CONVERTED)

    detectors.detect_stale_leads(NOW)

    found = {alert.lead_id: alert.evidence["idle_days"] for alert in alerts(AlertKind.STALE_LEAD)}
    assert found == {stale.pk: 8, never.pk: 10}


# 5. Stuck deals


def test_deal_longer_than_stage_p90_alert(settings):
    settings.SALESPULSE_DETECTORS = {AlertKind.STUCK_DEAL: {"min_stays": 2}}
    rep = UserFactory()
    # Completed needs-analysis stays of 2 and 4 days: p90 = 2 + 0.9 × 2 = 3.8 days.
    deal_path(rep, local(2026, 3, 1), [("needs_analysis", local(2026, 3, 2)), ("solution_demo", local(2026, 3, 4))])
    deal_path(rep, local(2026, 3, 1), [("needs_analysis", local(2026, 3, 2)), ("solution_demo", local(2026, 3, 6))])
    stuck = deal_path(rep, local(2026, 3, 1), [("needs_analysis", NOW - dt.timedelta(days=4))])
    deal_path(rep, local(2026, 3, 1), [("needs_analysis", NOW - dt.timedelta(days=3))])

    detectors.detect_stuck_deals(NOW)

    (alert,) = alerts(AlertKind.STUCK_DEAL)
    assert alert.opportunity_id == stuck.pk
    assert alert.evidence["stage_p90_days"] == 3.8
    assert alert.evidence["days_in_stage"] == 4.0


@pytest.mark.parametrize("seed", range(3))
def test_stage_p90_matches_percentile_cont(seed):
    rng = random.Random(seed)
    rep = UserFactory()
    since = local(2026, 3, 10)
    expected: dict[str, list[float]] = {"initial_contact": [], "needs_analysis": [], "solution_demo": []}
    for _ in range(rng.randrange(1, 25)):
        start = local(2026, 3, 1) + dt.timedelta(hours=rng.randrange(0, 400))
        hours_a, hours_b = rng.randrange(1, 300), rng.randrange(1, 300)
        left_a = start + dt.timedelta(hours=hours_a)
        deal_path(rep, start - dt.timedelta(hours=1), [("needs_analysis", start), ("solution_demo", left_a)])
        if start >= since:
            expected["initial_contact"].append(1 / 24)
        if left_a >= since:
            expected["needs_analysis"].append(hours_a / 24)
        # Half the deals leave the demo stage too, some of them before the window.
        if rng.random() < 0.5:
            deal = Opportunity.objects.filter(owner=rep).latest("id")
            move_opportunity_to_stage(
                opportunity=deal,
                to_stage=Stage.objects.get(pipeline=deal.pipeline, code="tech_evaluation"),
                actor=rep,
                source=MoveSource.DEMO,
                at=left_a + dt.timedelta(hours=hours_b),
            )
            if left_a + dt.timedelta(hours=hours_b) >= since:
                expected["solution_demo"].append(hours_b / 24)
    codes = dict(Stage.objects.values_list("id", "code"))

    found = {codes[stage_id]: days for stage_id, days in detectors.stage_p90_days(since=since).items()}

    assert found == {
        code: pytest.approx(float(numpy.percentile(days, 90)), abs=1e-6) for code, days in expected.items() if days
    }


def test_stage_p90_is_exact_below_a_millisecond(settings):
    # Ten stays of one day and 400 µs: the p90 is that long, so a deal in the stage for
    # one day and 200 µs is not stuck.
    settings.SALESPULSE_DETECTORS = {AlertKind.STUCK_DEAL: {"min_stays": 10}}
    rep = UserFactory()
    stay = dt.timedelta(days=1, microseconds=400)
    for day in range(10):
        entered = local(2026, 3, 1) + dt.timedelta(days=2 * day)
        moves = [("needs_analysis", entered), ("solution_demo", entered + stay)]
        deal_path(rep, entered - dt.timedelta(hours=1), moves)
    deal_path(rep, local(2026, 3, 1), [("needs_analysis", NOW - dt.timedelta(days=1, microseconds=200))])
    stage = Stage.objects.get(pipeline__is_default=True, code="needs_analysis")

    assert detectors.stage_p90_days(min_stays=10)[stage.pk] * 86400 == pytest.approx(86400.0004, abs=1e-7)
    assert detectors.stuck_deals(NOW).deals == []


def test_stage_with_too_few_stays_has_no_p90():
    rep = UserFactory()
    deal_path(rep, local(2026, 3, 1), [("needs_analysis", local(2026, 3, 2))])

    assert detectors.stage_p90_days(min_stays=10) == {}


# 6. Losses concentrated at a follow-up count


def lost_with_followups(owner, followups):
    deal = deal_path(owner, NOW - dt.timedelta(days=30), [("lost", NOW - dt.timedelta(days=5))])
    for index in range(followups):
        InteractionFactory(
            customer=deal.customer,
            owner=owner,
            opportunity=deal,
            direction=Direction.OUTBOUND,
            occurred_at=NOW - dt.timedelta(days=10, hours=index),
        )
    # The factory writes past the services, so keep the activity facts as they would.
    refresh_activity_facts([deal.pk])
    return deal


def test_losses_at_three_to_five_followups_alert_team_manager(settings):
    settings.SALESPULSE_DETECTORS = {AlertKind.LOSS_FOLLOWUP_CONCENTRATION: {"min_lost": 4}}
    team, calm_team = TeamFactory(), TeamFactory()
    manager = UserFactory(role=Role.MANAGER, team=team)
    rep, calm_rep = UserFactory(team=team), UserFactory(team=calm_team)
    for followups in (3, 4, 5, 0):
        lost_with_followups(rep, followups)
    for followups in (0, 1, 6, 7):
        lost_with_followups(calm_rep, followups)

    detectors.detect_loss_followup_concentration(NOW)

    (alert,) = alerts(AlertKind.LOSS_FOLLOWUP_CONCENTRATION)
    assert alert.team_id == team.pk
    assert alert.owner_id == manager.pk
    assert (alert.evidence["lost_deals"], alert.evidence["in_range"], alert.evidence["share"]) == (4, 3, 0.75)
    assert alert.evidence["histogram"] == {"0": 1, "3": 1, "4": 1, "5": 1}


# Reading alerts


def test_alert_list_scoped_by_visibility(three_reps_on_customer):
    _, _, reps = three_reps_on_customer
    detectors.detect_multi_rep_customers(NOW)
    outsider = UserFactory(role=Role.MANAGER)
    manager = UserFactory(role=Role.MANAGER, team=reps[0].team)

    assert detectors.list_alerts(outsider).count() == 0
    assert detectors.list_alerts(manager).count() == 1
    assert detectors.list_alerts(manager, kind=AlertKind.STALE_LEAD).count() == 0


def test_alert_without_owner_only_for_workspace_roles():
    now = NOW
    Alert.objects.create(
        kind=AlertKind.STALE_LEAD, subject_key="lead:0", detected_at=now, first_seen=now, last_seen=now
    )

    assert detectors.list_alerts(UserFactory(role=Role.OPS, team=None)).count() == 1
    assert detectors.list_alerts(UserFactory(role=Role.REP)).count() == 0


def test_freshness_lists_every_detector():
    detectors.detect_stale_leads(NOW)

    freshness = {item.kind: item for item in detectors.detector_freshness()}

    assert set(freshness) == set(AlertKind.values)
    assert freshness[AlertKind.STALE_LEAD].last_run_at == NOW
    assert freshness[AlertKind.NO_PROGRESS].last_run_at is None


def test_run_detectors_rejects_unknown_kind():
    with pytest.raises(ValueError, match="unknown detector"):
        detectors.run_detectors(["nonsense"])


def brute_force_multi_rep(rows, window=dt.timedelta(days=30), min_reps=3):
    """Customers with ``min_reps`` reps in [t, t + window) for some interaction time t."""
    flagged = set()
    for customer_id, _, moment in rows:
        reps = {owner for other, owner, at in rows if other == customer_id and moment <= at < moment + window}
        if len(reps) >= min_reps:
            flagged.add(customer_id)
    return flagged


@pytest.mark.parametrize("seed", range(4))
def test_multi_rep_sweep_matches_brute_force(seed):
    import random

    rng = random.Random(seed)
    reps = [UserFactory() for _ in range(4)]
    customers = [CustomerFactory(owner=reps[0]) for _ in range(6)]
    rows = []
    for customer in customers:
        for _ in range(rng.randrange(2, 9)):
            owner = rng.choice(reps)
            moment = NOW - dt.timedelta(days=rng.randrange(0, 120), hours=rng.randrange(24))
            InteractionFactory(customer=customer, owner=owner, occurred_at=moment)
            rows.append((customer.pk, owner.pk, moment))

    found = {window.customer_id for window in detectors.find_multi_rep_customers()}

    assert found == brute_force_multi_rep(rows)


def test_multi_rep_lookback_compares_in_utc():
    reps = [UserFactory() for _ in range(3)]
    customer = CustomerFactory(owner=reps[0])
    since = local(2026, 3, 10, 12, 0)
    # 10:00 local is 02:00 UTC, before the cut-off; the other two come after it.
    InteractionFactory(customer=customer, owner=reps[0], occurred_at=local(2026, 3, 10, 10, 0))
    InteractionFactory(customer=customer, owner=reps[1], occurred_at=local(2026, 3, 11))
    InteractionFactory(customer=customer, owner=reps[2], occurred_at=local(2026, 3, 12))

    assert detectors.find_multi_rep_customers(since=since) == []
    assert len(detectors.find_multi_rep_customers(since=since - dt.timedelta(hours=3))) == 1


def test_multi_rep_without_evidence_lists_customers_only(three_reps_on_customer):
    customer, _, _ = three_reps_on_customer

    (window,) = detectors.find_multi_rep_customers(with_evidence=False)

    assert window.customer_id == customer.pk
    assert (window.rep_ids, window.interaction_ids) == ([], [])
