"""Tagging interactions into Signal rows, keeping what managers judged."""

import pytest

from salespulse.crm.models import Direction
from salespulse.signals.models import Signal, SignalStatus, TagCorrection
from salespulse.signals.tagger.config import invalidate_config
from salespulse.signals.tagging import retag_all, tag_interactions
from tests.factories import CustomerFactory, InteractionFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_config():
    invalidate_config()
    yield
    invalidate_config()


def test_inbound_interaction_gets_signals_on_customer_and_opportunity():
    opportunity = make_opportunity()
    interaction = InteractionFactory(
        customer=opportunity.customer, opportunity=opportunity, direction=Direction.INBOUND,
        text="我们一直用迈瑞的，预算还没批",
    )

    assert tag_interactions([interaction.pk]) == 2

    signals = {signal.tag: signal for signal in Signal.objects.filter(interaction=interaction)}
    assert set(signals) == {"competitor_preference", "budget_pending"}
    assert signals["competitor_preference"].competitor == "迈瑞"
    assert signals["budget_pending"].opportunity == opportunity
    assert signals["budget_pending"].occurred_at == interaction.occurred_at
    assert signals["budget_pending"].entities["competitor"][0]["text"] == "迈瑞"


def test_outbound_interaction_is_the_rep_speaking_and_gets_no_signal():
    interaction = InteractionFactory(customer=CustomerFactory(), direction=Direction.OUTBOUND, text="预算批了吗？")
    assert tag_interactions([interaction.pk]) == 0


def test_retagging_keeps_manual_and_judged_signals_and_replaces_the_rest():
    user = UserFactory()
    interaction = InteractionFactory(customer=CustomerFactory(), direction=Direction.INBOUND, text="预算还没批")
    tag_interactions([interaction.pk])
    stale = Signal.objects.get(interaction=interaction)
    manual = Signal.objects.create(
        interaction=interaction, customer=interaction.customer, tag="stalling", confidence=1, manual=True,
        occurred_at=interaction.occurred_at,
    )
    rejected = Signal.objects.create(
        interaction=interaction, customer=interaction.customer, tag="price_objection", confidence=0.5,
        status=SignalStatus.REJECTED, occurred_at=interaction.occurred_at,
    )
    TagCorrection.objects.create(interaction=interaction, signal=rejected, tag="price_objection", verdict="rejected",
                                 corrected_by=user)

    tag_interactions([interaction.pk])

    remaining = Signal.objects.filter(interaction=interaction)
    assert set(remaining.values_list("tag", flat=True)) == {"budget_pending", "stalling", "price_objection"}
    assert not remaining.filter(pk=stale.pk).exists()
    assert remaining.filter(pk__in=[manual.pk, rejected.pk]).count() == 2


def test_retag_all_reports_progress():
    for _ in range(3):
        InteractionFactory(customer=CustomerFactory(), direction=Direction.INBOUND, text="主任出差了")
    calls = []
    assert retag_all(progress_callback=lambda done, total: calls.append((done, total))) == 3
    assert calls == [(3, 3)]
