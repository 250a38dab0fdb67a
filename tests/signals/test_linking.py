import json

import pytest

from salespulse.crm.models import Direction, Interaction
from salespulse.signals.ingest import ingest_path
from salespulse.signals.linking import match_identity
from salespulse.signals.models import Identity, IdentityKind, IdentityStatus, Message, Speaker
from salespulse.signals.services_ingest import assign_interaction_to_opportunity, link_identity
from tests.factories import ContactFactory, CustomerFactory, UserFactory, make_opportunity
from tests.signals.helpers import FORMATS
from tests.signals.ingest_fixtures import build_sample_world

pytestmark = pytest.mark.django_db

ARCHIVE = FORMATS / "wecom_msgaudit_decrypted_messages.jsonl"


def _chat(path, sender, recipient, text, msgid="m1", roomid=""):
    line = {
        "msgid": msgid,
        "action": "send",
        "from": sender,
        "tolist": [recipient],
        "roomid": roomid,
        "msgtime": 1741142522000,
        "msgtype": "text",
        "text": {"content": text},
    }
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def test_match_by_wecom_external_id():
    world = build_sample_world()

    assert match_identity(IdentityKind.WECOM_EXTERNAL, "wmEXAMPLE0000000000000000000000A") == (
        world.contact,
        world.customer,
        None,
    )


def test_match_rep_by_wecom_user_id():
    world = build_sample_world()

    assert match_identity(IdentityKind.WECOM_USER, "ChenYiMing") == (None, None, world.rep)


def test_match_rep_by_external_id():
    rep = UserFactory(username="chen", external_id="CYM001")

    assert match_identity(IdentityKind.WECOM_USER, "CYM001") == (None, None, rep)


def test_match_by_wechat_id():
    world = build_sample_world()

    assert match_identity(IdentityKind.WECHAT_ID, "wxid_example_wangzhe") == (world.contact, world.customer, None)


def test_match_by_email_contact_and_rep():
    world = build_sample_world()

    assert match_identity(IdentityKind.EMAIL, "100000001@QQ.example") == (world.contact, world.customer, None)
    assert match_identity(IdentityKind.EMAIL, "chen.yiming@qinghe-med.example") == (None, None, world.rep)


def test_match_by_phone_digits():
    world = build_sample_world()

    assert match_identity(IdentityKind.PHONE, "+86 138-0000-0002") == (world.contact, world.customer, None)


def test_match_by_remark_part_names_customer():
    world = build_sample_world(with_contact=False)

    assert match_identity(IdentityKind.NICKNAME, "王主任-江南区医院") == (None, world.customer, None)


def test_match_by_contact_name_and_rep_display_name():
    world = build_sample_world()

    assert match_identity(IdentityKind.NICKNAME, "王喆") == (world.contact, world.customer, None)
    assert match_identity(IdentityKind.NICKNAME, "陈一鸣") == (None, None, world.rep)


def test_ambiguous_match_stays_unmatched():
    build_sample_world()
    ContactFactory(name="王喆")

    assert match_identity(IdentityKind.NICKNAME, "王喆") == (None, None, None)


def test_customer_message_becomes_inbound_interaction():
    world = build_sample_world()

    ingest_path(path=ARCHIVE)

    message = Message.objects.get(external_id="1234567890123456782_1741142522000_external")
    assert message.speaker == Speaker.CUSTOMER
    assert message.contact == world.contact
    interaction = message.interaction
    assert interaction.direction == Direction.INBOUND
    assert interaction.channel == "wecom"
    assert interaction.opportunity == world.opportunity
    assert interaction.owner == world.rep
    assert interaction.external_id == f"msg:{message.pk}"


def test_rep_message_links_to_recipient_customer():
    world = build_sample_world()

    ingest_path(path=ARCHIVE)

    message = Message.objects.get(external_id="1234567890123456781_1741142461000_external")
    assert message.speaker == Speaker.REP
    assert message.customer == world.customer
    assert message.interaction.direction == Direction.OUTBOUND
    assert message.interaction.action_type == "message"


def test_rep_to_manager_note_is_internal():
    build_sample_world()

    ingest_path(path=ARCHIVE)

    message = Message.objects.get(external_id="CAQQEXAMPLEINTERNAL0000000000000=")
    assert message.speaker == Speaker.INTERNAL
    assert message.interaction is None


def test_minutes_are_mixed_speaker():
    world = build_sample_world()

    ingest_path(path=FORMATS.parent / "summaries" / "minutes_jiangnan.md")

    message = Message.objects.get(source="meeting_minutes")
    assert message.speaker == Speaker.MIXED
    assert message.customer == world.customer
    assert message.owner == world.rep
    assert message.interaction.channel == "meeting"


def test_call_csv_links_by_phone():
    world = build_sample_world()

    ingest_path(path=FORMATS.parent / "summaries" / "calls.csv")

    call = Message.objects.get(text="王主任来电询问交货期，希望4月1日前到货")
    assert call.customer == world.customer
    assert call.interaction.channel == "phone"
    assert call.interaction.direction == Direction.INBOUND
    assert call.interaction.action_type == "call"


def test_two_open_opportunities_leave_interaction_on_customer():
    world = build_sample_world(open_deals=2)

    ingest_path(path=ARCHIVE)

    message = Message.objects.get(external_id="1234567890123456782_1741142522000_external")
    assert message.interaction.customer == world.customer
    assert message.interaction.opportunity is None


def test_no_open_opportunity_leaves_interaction_on_customer():
    world = build_sample_world(open_deals=0)

    ingest_path(path=ARCHIVE)

    interaction = Message.objects.get(external_id="1234567890123456782_1741142522000_external").interaction
    assert (interaction.customer, interaction.opportunity) == (world.customer, None)


def test_rep_assigns_interaction_to_opportunity():
    world = build_sample_world(open_deals=2)
    ingest_path(path=ARCHIVE)
    interaction = Message.objects.get(external_id="1234567890123456782_1741142522000_external").interaction

    assign_interaction_to_opportunity(actor=world.rep, interaction=interaction, opportunity=world.opportunity)

    interaction.refresh_from_db()
    assert interaction.opportunity == world.opportunity
    assert Message.objects.get(interaction=interaction).opportunity == world.opportunity
    world.opportunity.refresh_from_db()
    assert world.opportunity.interaction_count == 1


def test_assign_to_other_customers_opportunity_rejected():
    from salespulse.core.errors import DomainError

    world = build_sample_world(open_deals=2)
    ingest_path(path=ARCHIVE)
    interaction = Message.objects.get(external_id="1234567890123456782_1741142522000_external").interaction
    other = make_opportunity(owner=world.rep, customer=CustomerFactory(owner=world.rep), name="另一家")

    with pytest.raises(DomainError) as raised:
        assign_interaction_to_opportunity(actor=world.rep, interaction=interaction, opportunity=other)

    assert raised.value.message == "商机 另一家 属于其他客户；请选择该客户的商机。"


def test_unmatched_sender_goes_to_review_queue(tmp_path):
    build_sample_world()

    ingest_path(path=_chat(tmp_path / "a.jsonl", "wmUNKNOWN01", "ChenYiMing", "预算批了"))

    identity = Identity.objects.get(value="wmUNKNOWN01")
    assert identity.status == IdentityStatus.UNMATCHED
    assert identity.message_count == 1
    message = Message.objects.get()
    assert message.speaker == Speaker.CUSTOMER
    assert message.customer is None
    assert Interaction.objects.count() == 0


def test_manual_link_relinks_past_messages(tmp_path):
    world = build_sample_world()
    ingest_path(path=_chat(tmp_path / "a.jsonl", "wmUNKNOWN01", "ChenYiMing", "预算批了"))
    identity = Identity.objects.get(value="wmUNKNOWN01")

    created = link_identity(actor=world.manager, identity=identity, customer=world.customer)

    assert created == 1
    message = Message.objects.get()
    assert message.customer == world.customer
    assert message.interaction.opportunity == world.opportunity
    assert message.interaction.direction == Direction.INBOUND


def test_manual_link_remembered_for_next_import(tmp_path):
    world = build_sample_world()
    ingest_path(path=_chat(tmp_path / "a.jsonl", "wmUNKNOWN01", "ChenYiMing", "预算批了"))
    link_identity(actor=world.manager, identity=Identity.objects.get(value="wmUNKNOWN01"), customer=world.customer)

    ingest_path(path=_chat(tmp_path / "b.jsonl", "wmUNKNOWN01", "ChenYiMing", "下周签合同", msgid="m2"))

    message = Message.objects.get(external_id="m2")
    assert message.customer == world.customer
    assert message.interaction is not None
    assert Identity.objects.get(value="wmUNKNOWN01").status == IdentityStatus.LINKED


def test_ignored_identity_leaves_queue(tmp_path):
    world = build_sample_world()
    ingest_path(path=_chat(tmp_path / "a.jsonl", "wmUNKNOWN01", "ChenYiMing", "广告"))
    identity = Identity.objects.get(value="wmUNKNOWN01")

    link_identity(actor=world.manager, identity=identity, ignore=True)

    identity.refresh_from_db()
    assert identity.status == IdentityStatus.IGNORED


def test_rep_may_not_link_identities(tmp_path):
    from salespulse.core.errors import PermissionDenied

    world = build_sample_world()
    ingest_path(path=_chat(tmp_path / "a.jsonl", "wmUNKNOWN01", "ChenYiMing", "预算批了"))

    with pytest.raises(PermissionDenied):
        link_identity(actor=world.rep, identity=Identity.objects.get(value="wmUNKNOWN01"), customer=world.customer)


def test_robot_sender_ignored():
    ingest_path(path=ARCHIVE)

    assert Identity.objects.get(value="wbEXAMPLE00000000000000000000BOT").status == IdentityStatus.IGNORED


def test_recipient_identity_linked_later_relinks_rep_message(tmp_path):
    world = build_sample_world()
    ingest_path(path=_chat(tmp_path / "a.jsonl", "ChenYiMing", "wmUNKNOWN02", "报价已发"))
    message = Message.objects.get()
    assert (message.speaker, message.customer) == (Speaker.REP, None)

    link_identity(actor=world.manager, identity=Identity.objects.get(value="wmUNKNOWN02"), contact=world.contact)

    message.refresh_from_db()
    assert message.customer == world.customer
    assert message.interaction.direction == Direction.OUTBOUND
    assert Interaction.objects.count() == 1


def test_linking_to_a_rep_outside_the_managers_team_refused(tmp_path):
    from salespulse.core.errors import PermissionDenied

    world = build_sample_world()
    ingest_path(path=_chat(tmp_path / "a.jsonl", "wmUNKNOWN01", "ChenYiMing", "预算批了"), actor=world.rep)
    outsider = UserFactory()

    with pytest.raises(PermissionDenied):
        link_identity(actor=world.manager, identity=Identity.objects.get(value="wmUNKNOWN01"), user=outsider)


def test_same_phone_written_two_ways_matches_one_contact():
    contact = ContactFactory(phone="+86 138-0013-8000")

    assert match_identity(IdentityKind.PHONE, "13800138000")[0] == contact
    assert match_identity(IdentityKind.PHONE, "+86 138 0013 8000")[0] == contact


def test_phone_shared_by_two_contacts_stays_unmatched():
    ContactFactory(phone="13800138000")
    ContactFactory(phone="+86 138-0013-8000")

    assert match_identity(IdentityKind.PHONE, "13800138000") == (None, None, None)


def test_email_matches_contact_whatever_the_case():
    contact = ContactFactory(email="Wang.Zhuren@Hospital.example.cn")

    assert match_identity(IdentityKind.EMAIL, "wang.zhuren@hospital.example.cn")[0] == contact


def test_phone_with_separators_inside_the_last_digits_matches():
    contact = ContactFactory(phone="138 0013 80 00")

    assert match_identity(IdentityKind.PHONE, "+8613800138000")[0] == contact
