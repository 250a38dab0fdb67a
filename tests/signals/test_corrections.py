"""Corrections of signals and the per-tag precision computed from them."""

import pytest

from salespulse.accounts.models import Role
from salespulse.core.errors import DomainError, NotFound, PermissionDenied
from salespulse.signals.models import LabelledExample, Signal, SignalStatus, TagCorrection
from salespulse.signals.selectors import tag_precision
from salespulse.signals.services_review import add_missed_tag, review_signal
from tests.factories import CustomerFactory, InteractionFactory, TeamFactory, UserFactory
from tests.signals.signal_data import SignalFactory, ensure_tags

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    ensure_tags()
    return TeamFactory()


@pytest.fixture
def rep(team):
    return UserFactory(team=team)


@pytest.fixture
def manager(team):
    return UserFactory(team=team, role=Role.MANAGER)


@pytest.fixture
def signal(rep):
    interaction = InteractionFactory(customer=CustomerFactory(owner=rep), text="预算已经批下来了，下周三可以签合同")
    return SignalFactory(interaction=interaction)


def test_manager_rejecting_a_signal_stores_correction_status_and_example(manager, signal):
    review_signal(actor=manager, signal=signal, verdict="rejected")

    signal.refresh_from_db()
    assert signal.status == SignalStatus.REJECTED
    correction = TagCorrection.objects.get()
    assert (correction.tag, correction.verdict, correction.corrected_by) == ("budget_approved", "rejected", manager)
    example = LabelledExample.objects.get()
    assert example.origin == LabelledExample.Origin.CORRECTION
    assert example.text == "预算已经批下来了，下周三可以签合同"
    assert example.tags == []


def test_owner_rep_may_confirm_their_own_signal(rep, signal):
    review_signal(actor=rep, signal=signal, verdict="confirmed")

    signal.refresh_from_db()
    assert signal.status == SignalStatus.CONFIRMED
    assert LabelledExample.objects.get().tags == ["budget_approved"]


def test_rep_may_not_see_or_correct_a_colleagues_signal(team, signal):
    colleague = UserFactory(team=team)

    with pytest.raises(NotFound):
        review_signal(actor=colleague, signal=signal, verdict="rejected")

    assert not TagCorrection.objects.exists()


def test_finance_sees_but_may_not_correct(signal):
    finance = UserFactory(role=Role.FINANCE, team=None)

    with pytest.raises(PermissionDenied):
        review_signal(actor=finance, signal=signal, verdict="confirmed")


def test_unknown_verdict_is_rejected_with_its_value(manager, signal):
    with pytest.raises(DomainError) as error:
        review_signal(actor=manager, signal=signal, verdict="maybe")

    assert "maybe" in error.value.message
    assert error.value.field == "verdict"


def test_missed_tag_is_added_as_a_manual_confirmed_signal_with_its_span(manager, signal):
    added = add_missed_tag(
        actor=manager, interaction=signal.interaction, tag="sample_request",
        evidence="下周三可以签合同",
    )

    assert added.manual is True
    assert added.status == SignalStatus.CONFIRMED
    assert (added.span_start, added.span_end) == (9, 17)
    assert TagCorrection.objects.get().verdict == TagCorrection.Verdict.ADDED
    assert LabelledExample.objects.get().tags == ["budget_approved", "sample_request"]


def test_missed_tag_evidence_must_be_in_the_text(manager, signal):
    with pytest.raises(DomainError) as error:
        add_missed_tag(actor=manager, interaction=signal.interaction, tag="sample_request", evidence="不存在的话")

    assert error.value.field == "evidence"
    assert not Signal.objects.filter(manual=True).exists()


def test_second_correction_of_the_same_text_updates_the_one_example(manager, signal):
    review_signal(actor=manager, signal=signal, verdict="confirmed")
    add_missed_tag(actor=manager, interaction=signal.interaction, tag="price_objection")

    assert LabelledExample.objects.count() == 1
    assert LabelledExample.objects.get().tags == ["budget_approved", "price_objection"]


def test_precision_is_confirmed_over_reviewed_counting_each_signal_by_its_latest_verdict(manager, rep):
    customer = CustomerFactory(owner=rep)
    budget = [SignalFactory(interaction=InteractionFactory(customer=customer)) for _ in range(4)]
    price = [
        SignalFactory(interaction=InteractionFactory(customer=customer), tag="price_objection") for _ in range(2)
    ]
    # budget_approved: 3 confirmed, 1 rejected → 3/4; the first one was rejected, then confirmed.
    review_signal(actor=manager, signal=budget[0], verdict="rejected")
    review_signal(actor=manager, signal=budget[0], verdict="confirmed")
    review_signal(actor=manager, signal=budget[1], verdict="confirmed")
    review_signal(actor=manager, signal=budget[2], verdict="confirmed")
    review_signal(actor=manager, signal=budget[3], verdict="rejected")
    # price_objection: 0 confirmed, 2 rejected → 0; one missed tag added.
    review_signal(actor=manager, signal=price[0], verdict="rejected")
    review_signal(actor=manager, signal=price[1], verdict="rejected")
    add_missed_tag(actor=manager, interaction=budget[1].interaction, tag="price_objection")

    stats = tag_precision()

    assert (stats["budget_approved"].confirmed, stats["budget_approved"].rejected) == (3, 1)
    assert stats["budget_approved"].precision == 0.75
    assert stats["price_objection"].precision == 0.0
    assert stats["price_objection"].added == 1
    assert "competitor_preference" not in stats


def test_precision_of_a_tag_without_reviews_is_none():
    from salespulse.signals.selectors import TagPrecision

    assert TagPrecision("budget_approved", added=2).precision is None
