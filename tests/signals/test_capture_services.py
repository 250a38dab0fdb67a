"""Quick capture: drafts, guesses, and the records a confirmation writes."""

import datetime as dt

import pytest
from django.utils import timezone

from salespulse.accounts.models import Role
from salespulse.core.errors import DomainError, NotFound, PermissionDenied
from salespulse.crm.models import ActionType, Direction, Interaction, Lead, LeadStatus
from salespulse.pipeline.models import Objection
from salespulse.signals.models import CaptureDraft, CaptureStatus, Identity, IdentityKind, IdentityStatus
from salespulse.signals.services_capture import (
    CaptureAction,
    confirm_capture,
    confirmation_from_draft,
    start_capture,
)
from tests.factories import ContactFactory, CustomerFactory, UserFactory, make_opportunity

pytestmark = pytest.mark.django_db

SNIPPET = "张主任 10:32\n预算已经批下来了，下周三可以签合同"


@pytest.fixture
def rep():
    return UserFactory(username="rep.capture", display_name="李销售")


@pytest.fixture
def hospital(rep):
    customer = CustomerFactory(name="江南医院", short_name="江南", owner=rep)
    ContactFactory(customer=customer, name="张伟", title="主任")
    return customer


def test_contact_named_by_surname_and_title_gives_customer_and_single_open_opportunity(rep, hospital):
    deal = make_opportunity(owner=rep, customer=hospital)

    draft = start_capture(user=rep, text=SNIPPET)

    assert draft.status == CaptureStatus.PENDING
    assert draft.extracted["nickname"] == "张主任"
    assert draft.extracted["customer_id"] == hospital.pk
    assert draft.extracted["opportunity_id"] == deal.pk
    assert draft.extracted["contact_id"] == hospital.contacts.get().pk


def test_two_open_opportunities_leave_the_opportunity_to_the_rep(rep, hospital):
    make_opportunity(owner=rep, customer=hospital)
    make_opportunity(owner=rep, customer=hospital, name="试剂年度采购")

    draft = start_capture(user=rep, text=SNIPPET)

    assert draft.extracted["customer_id"] == hospital.pk
    assert draft.extracted["opportunity_id"] is None


def test_nickname_linked_in_the_review_queue_finds_its_customer(rep, hospital):
    other = CustomerFactory(name="城北社区卫生服务中心", owner=rep)
    Identity.objects.create(
        kind=IdentityKind.NICKNAME, value="城北老刘", status=IdentityStatus.LINKED, customer=other
    )

    draft = start_capture(user=rep, text="城北老刘 09:12\n样品什么时候能到？")

    assert draft.extracted["customer_id"] == other.pk


def test_customer_of_another_rep_is_not_guessed(rep):
    stranger = CustomerFactory(name="远方医院")
    ContactFactory(customer=stranger, name="张主任")

    draft = start_capture(user=rep, text=SNIPPET)

    assert draft.extracted["customer_id"] is None


def test_empty_snippet_is_rejected_with_the_field(rep):
    with pytest.raises(DomainError) as error:
        start_capture(user=rep, text="   ")

    assert error.value.field == "text"
    assert error.value.message == "请先粘贴聊天片段或报价。"


def test_finance_may_not_capture():
    finance = UserFactory(role=Role.FINANCE, team=None)

    with pytest.raises(PermissionDenied):
        start_capture(user=finance, text=SNIPPET)

    assert not CaptureDraft.objects.exists()


@pytest.mark.parametrize(
    ("action", "action_type"),
    [
        (CaptureAction.QUOTE, ActionType.QUOTE_SENT),
        (CaptureAction.APPOINTMENT, ActionType.APPOINTMENT),
        (CaptureAction.SAMPLE_REQUEST, ActionType.SAMPLE_REQUESTED),
        (CaptureAction.VISIT, ActionType.VISIT),
        (CaptureAction.DEMO, ActionType.DEMO_DONE),
        (CaptureAction.OBJECTION, ActionType.OBJECTION),
    ],
)
def test_each_one_step_action_leaves_an_interaction_and_refreshes_the_deal(rep, hospital, action, action_type):
    deal = make_opportunity(owner=rep, customer=hospital)
    draft = start_capture(user=rep, text=SNIPPET)

    saved = confirm_capture(user=rep, draft=draft, confirmation=confirmation_from_draft(draft, rep, action=action))

    interaction = saved.interaction
    assert saved.status == CaptureStatus.CONFIRMED
    assert interaction.action_type == action_type
    assert interaction.substantive is True
    assert interaction.customer == hospital
    assert interaction.opportunity == deal
    assert interaction.owner == rep
    assert interaction.direction == Direction.INBOUND
    deal.refresh_from_db()
    assert deal.last_action_type == action_type
    assert deal.interaction_count == 1


def test_objection_action_records_an_objection_on_the_opportunity(rep, hospital):
    deal = make_opportunity(owner=rep, customer=hospital)
    draft = start_capture(user=rep, text="张主任 10:32\n你们的价格比别家贵了两成")

    confirm_capture(
        user=rep,
        draft=draft,
        confirmation=confirmation_from_draft(draft, rep, action="objection", objection_category="price"),
    )

    objection = Objection.objects.get(opportunity=deal)
    assert objection.category == "price"
    assert objection.customer_words == "你们的价格比别家贵了两成"
    assert objection.recorded_by == rep


def test_objection_without_opportunity_writes_nothing(rep, hospital):
    draft = start_capture(user=rep, text=SNIPPET)

    with pytest.raises(DomainError) as error:
        confirm_capture(
            user=rep, draft=draft, confirmation=confirmation_from_draft(draft, rep, action=CaptureAction.OBJECTION)
        )

    assert error.value.field == "opportunity"
    assert not Interaction.objects.exists()
    draft.refresh_from_db()
    assert draft.status == CaptureStatus.PENDING


def test_unmatched_nickname_becomes_a_pending_lead(rep):
    draft = start_capture(user=rep, text="赵院长@新城口腔诊所 16:05\n你们的种植系统多少钱一套？")

    saved = confirm_capture(user=rep, draft=draft, confirmation=confirmation_from_draft(draft, rep))

    lead = Lead.objects.get()
    assert saved.lead == lead
    assert lead.name == "赵院长"
    assert lead.company == "新城口腔诊所"
    assert lead.status == LeadStatus.NEW
    assert lead.owner == rep
    assert lead.source == "quick_capture"
    assert saved.interaction.lead == lead
    assert saved.interaction.customer is None


def test_a_draft_is_confirmed_only_once(rep, hospital):
    draft = start_capture(user=rep, text=SNIPPET)
    confirm_capture(user=rep, draft=draft, confirmation=confirmation_from_draft(draft, rep))

    with pytest.raises(DomainError) as error:
        confirm_capture(user=rep, draft=draft, confirmation=confirmation_from_draft(draft, rep))

    assert error.value.code == "capture_already_confirmed"
    assert Interaction.objects.count() == 1


def test_opportunity_of_another_customer_is_rejected(rep, hospital):
    other = CustomerFactory(owner=rep)
    foreign_deal = make_opportunity(owner=rep, customer=other)
    draft = start_capture(user=rep, text=SNIPPET)

    with pytest.raises(DomainError) as error:
        confirm_capture(
            user=rep, draft=draft, confirmation=confirmation_from_draft(draft, rep, opportunity=foreign_deal)
        )

    assert error.value.code == "opportunity_of_other_customer"
    assert not Interaction.objects.exists()


def test_customer_the_rep_may_not_see_is_not_found(rep):
    stranger = CustomerFactory(name="远方医院")
    draft = start_capture(user=rep, text=SNIPPET)

    with pytest.raises(NotFound):
        confirm_capture(user=rep, draft=draft, confirmation=confirmation_from_draft(draft, rep, customer=stranger))

    assert not Interaction.objects.exists()


def test_time_in_the_future_is_rejected(rep, hospital):
    draft = start_capture(user=rep, text=SNIPPET)
    later = timezone.now() + dt.timedelta(hours=2)

    with pytest.raises(DomainError) as error:
        confirm_capture(user=rep, draft=draft, confirmation=confirmation_from_draft(draft, rep, occurred_at=later))

    assert error.value.field == "occurred_at"


def test_another_users_draft_is_not_found(rep, hospital):
    draft = start_capture(user=rep, text=SNIPPET)
    colleague = UserFactory(team=rep.team)

    with pytest.raises(NotFound):
        confirm_capture(user=colleague, draft=draft, confirmation=confirmation_from_draft(draft, colleague))


def test_quote_without_header_is_suggested_as_quote_and_saved_outbound(rep, hospital):
    draft = start_capture(user=rep, text="报价单\n全自动生化分析仪 1台\n合计：¥125,000.00")

    saved = confirm_capture(
        user=rep, draft=draft, confirmation=confirmation_from_draft(draft, rep, customer=hospital)
    )

    assert draft.action == CaptureAction.QUOTE
    assert saved.interaction.action_type == ActionType.QUOTE_SENT
    assert saved.interaction.direction == Direction.OUTBOUND


def test_confirmed_capture_is_tagged_by_the_real_tagger(rep, hospital):
    from salespulse.signals.models import Signal
    from salespulse.signals.tagger import config as tagger_config
    from tests.signals.signal_data import ensure_tags

    ensure_tags()
    tagger_config.invalidate_config()
    deal = make_opportunity(owner=rep, customer=hospital)
    draft = start_capture(user=rep, text=SNIPPET)

    saved = confirm_capture(user=rep, draft=draft, confirmation=confirmation_from_draft(draft, rep))

    signal = Signal.objects.get(interaction=saved.interaction, tag="budget_approved")
    assert signal.evidence == "预算已经批下来了"
    assert (signal.customer, signal.opportunity) == (hospital, deal)
