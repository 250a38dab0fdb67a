"""Signals on the customer and opportunity pages, the signal list, corrections through
the screens, and ticking a stage-gate checklist item from a signal."""

import pytest
from django.urls import reverse

from salespulse.accounts.models import Role
from salespulse.signals.models import Signal, SignalStatus, TagCorrection
from salespulse.signals.selectors import gate_confirmations, gate_proposals
from tests.factories import CustomerFactory, InteractionFactory, TeamFactory, UserFactory, make_opportunity
from tests.pipeline.gate_helpers import set_gate
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
def deal(rep):
    customer = CustomerFactory(owner=rep, name="江南医院")
    return make_opportunity(owner=rep, customer=customer, stage_code="needs_analysis")


@pytest.fixture
def signal(deal):
    interaction = InteractionFactory(
        customer=deal.customer, opportunity=deal, text="预算已经批下来了，下周三可以签合同"
    )
    return SignalFactory(interaction=interaction, competitor="迈瑞")


def test_customer_page_shows_the_signal_with_highlighted_evidence(client, manager, signal):
    client.force_login(manager)

    response = client.get(reverse("crm:customer_detail", args=[signal.customer_id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-tag="budget_approved"' in html
    assert "预算已批" in html
    assert "92%" in html
    assert "迈瑞" in html
    mark = '<mark class="tag" title="预算已批: 预算已经批下来了" data-tags="budget_approved">预算已经批下来了</mark>'
    assert mark in html


def test_opportunity_page_shows_the_signal(client, rep, signal):
    client.force_login(rep)

    response = client.get(reverse("crm:opportunity_detail", args=[signal.opportunity_id]))

    assert response.status_code == 200
    assert f'data-signal="{signal.pk}"' in response.content.decode()


def test_rejected_signal_is_not_shown_on_the_record(client, rep, signal):
    Signal.objects.filter(pk=signal.pk).update(status=SignalStatus.REJECTED)
    client.force_login(rep)

    response = client.get(reverse("crm:customer_detail", args=[signal.customer_id]))

    assert f'data-signal="{signal.pk}"' not in response.content.decode()


def test_signal_list_scoped_and_filtered(client, team, rep, signal):
    other_rep = UserFactory(team=TeamFactory())
    hidden = SignalFactory(interaction=InteractionFactory(customer=CustomerFactory(owner=other_rep)))
    price = SignalFactory(interaction=InteractionFactory(customer=signal.customer), tag="price_objection")
    client.force_login(rep)

    everything = client.get(reverse("signals:inbox")).content.decode()
    only_price = client.get(reverse("signals:inbox"), {"tag": "price_objection"}).content.decode()

    assert f'data-signal="{signal.pk}"' in everything
    assert f'data-signal="{price.pk}"' in everything
    assert f'data-signal="{hidden.pk}"' not in everything
    assert f'data-signal="{signal.pk}"' not in only_price
    assert f'data-signal="{price.pk}"' in only_price


def test_signal_list_query_count_fixed(client, rep, signal, django_assert_num_queries):
    client.force_login(rep)
    client.get(reverse("signals:inbox"))
    for _ in range(5):
        SignalFactory(interaction=InteractionFactory(customer=signal.customer))

    with django_assert_num_queries(INBOX_QUERIES):
        client.get(reverse("signals:inbox"))


# Session, user, tag names for the filter form and for the rows, count, one page of rows.
INBOX_QUERIES = 6


def test_manager_correction_returns_to_page(client, manager, signal):
    client.force_login(manager)
    back = reverse("crm:customer_detail", args=[signal.customer_id])

    response = client.post(reverse("signals:signal_review", args=[signal.pk]), {"verdict": "rejected", "next": back})

    assert response.status_code == 302
    assert response["Location"] == back
    assert TagCorrection.objects.get().verdict == "rejected"


def test_other_team_rep_cannot_correct(client, signal):
    client.force_login(UserFactory(team=TeamFactory()))

    response = client.post(reverse("signals:signal_review", args=[signal.pk]), {"verdict": "rejected"})

    assert response.status_code == 404
    assert not TagCorrection.objects.exists()


def test_missed_tag_added_from_the_customer_page(client, manager, signal):
    client.force_login(manager)

    client.post(
        reverse("signals:add_tag", args=[signal.interaction_id]),
        {"tag": "price_objection", "evidence": "", "next": "/"},
    )

    assert Signal.objects.filter(interaction=signal.interaction, tag="price_objection", manual=True).exists()


def test_signal_matching_a_checklist_code_proposes_ticking_it(rep, signal, stages):
    set_gate(stages["solution_demo"], {"type": "checklist", "code": "budget_approved", "label": "预算已批复"})

    proposals = gate_proposals(rep, signal.opportunity)

    assert [(p.signal.pk, p.item.stage_code, p.item.code) for p in proposals] == [
        (signal.pk, "solution_demo", "budget_approved")
    ]


def test_checklist_label_containing_the_tag_name_matches(rep, signal, stages):
    set_gate(stages["solution_demo"], {"all": [
        {"type": "checklist", "code": "money_ok", "label": "客户确认预算已批"},
        {"type": "checklist", "code": "site_ready", "label": "场地已就绪"},
    ]})

    proposals = gate_proposals(rep, signal.opportunity)

    assert [p.item.code for p in proposals] == ["money_ok"]


def test_confirmed_tick_keeps_snippet(client, rep, signal, stages):
    set_gate(stages["solution_demo"], {"type": "checklist", "code": "budget_approved", "label": "预算已批复"})
    client.force_login(rep)
    page = reverse("crm:opportunity_detail", args=[signal.opportunity_id])
    assert 'data-item="budget_approved"' in client.get(page).content.decode()

    client.post(
        reverse("signals:tick_gate_item", args=[signal.pk]),
        {"stage": "solution_demo", "item": "budget_approved", "next": page},
    )

    signal.refresh_from_db()
    tick = signal.entities["gate_ticks"][0]
    assert (tick["stage"], tick["item"], tick["by"]) == ("solution_demo", "budget_approved", rep.pk)
    assert tick["evidence"] == "预算已经批下来了"
    assert signal.status == SignalStatus.CONFIRMED
    assert gate_confirmations(signal.opportunity) == frozenset({"budget_approved"})
    assert 'data-item="budget_approved"' not in client.get(page).content.decode()


def test_unproposed_tick_changes_nothing(client, rep, signal, stages):
    client.force_login(rep)

    client.post(reverse("signals:tick_gate_item", args=[signal.pk]), {"stage": "solution_demo", "item": "made_up"})

    signal.refresh_from_db()
    assert "gate_ticks" not in signal.entities


def test_evidence_mark_shows_trigger_words(client, manager, deal):
    from salespulse.signals.tagger import config as tagger_config
    from salespulse.signals.tagger import tag_text

    tagger_config.invalidate_config()
    text = "预算已经批下来了，下周三可以签合同"
    interaction = InteractionFactory(customer=deal.customer, opportunity=deal, text=text, direction="inbound")
    hit = next(hit for hit in tag_text(text).tags if hit.tag == "budget_approved")
    SignalFactory(interaction=interaction, span_start=hit.start, span_end=hit.end)
    client.force_login(manager)

    html = client.get(reverse("crm:customer_detail", args=[deal.customer_id])).content.decode()

    assert f'title="预算已批: {hit.trigger}"' in html


def test_customer_page_signal_queries_do_not_grow_with_the_interactions(
    client, manager, signal, django_assert_max_num_queries
):
    client.force_login(manager)
    page = reverse("crm:customer_detail", args=[signal.customer_id])
    client.get(page)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(page)
    for _ in range(4):
        SignalFactory(interaction=InteractionFactory(customer=signal.customer, text="预算已经批下来了，好"))

    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(page)


def test_signal_list_filter_through_htmx_returns_only_the_results(client, rep, signal):
    client.force_login(rep)

    response = client.get(reverse("signals:inbox"), {"tag": "budget_approved"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="signal-results"')
    assert f'data-signal="{signal.pk}"' in html


def _move_to_demo(deal, rep, stages):
    from salespulse.pipeline.models import MoveSource
    from salespulse.pipeline.services import move_opportunity_to_stage

    return move_opportunity_to_stage(
        opportunity=deal, to_stage=stages["solution_demo"], actor=rep, source=MoveSource.FORM
    )


def test_checklist_item_without_a_tick_blocks_the_move(rep, signal, stages):
    from salespulse.pipeline.services import GateBlocked

    set_gate(stages["solution_demo"], {"type": "checklist", "code": "budget_approved", "label": "预算已批复"})

    with pytest.raises(GateBlocked):
        _move_to_demo(signal.opportunity, rep, stages)


def test_item_ticked_from_a_signal_counts_at_the_next_move(client, rep, signal, stages):
    set_gate(stages["solution_demo"], {"type": "checklist", "code": "budget_approved", "label": "预算已批复"})
    client.force_login(rep)
    client.post(
        reverse("signals:tick_gate_item", args=[signal.pk]),
        {"stage": "solution_demo", "item": "budget_approved", "next": "/"},
    )

    _move_to_demo(signal.opportunity, rep, stages)

    signal.opportunity.refresh_from_db()
    assert signal.opportunity.stage.code == "solution_demo"
