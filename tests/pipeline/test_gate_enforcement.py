import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from salespulse.core.errors import DomainError
from salespulse.crm.models import Opportunity, OpportunityStatus
from salespulse.pipeline.evidence import add_attachment, record_objection
from salespulse.pipeline.models import GateAttempt, MoveSource, StageGate, StageInterval
from salespulse.pipeline.services import GateBlocked, create_opportunity, move_opportunity_to_stage
from tests.factories import make_opportunity
from tests.pipeline.gate_helpers import (
    EVIDENCE,
    INTERACTIVE_SOURCES,
    ONE_DAY,
    WON_GATE,
    disable_default_contract_gate,
    set_gate,
    tech_confirmation,
)

pytestmark = pytest.mark.django_db

T0 = timezone.now() - dt.timedelta(days=30)


def interval_count(opportunity):
    return StageInterval.objects.filter(opportunity=opportunity).count()


def move(opportunity, stage, source=MoveSource.KANBAN, **kwargs):
    return move_opportunity_to_stage(
        opportunity=opportunity, to_stage=stage, actor=opportunity.owner, source=source, **kwargs
    )


@pytest.fixture
def won_gate(stages):
    disable_default_contract_gate(stages)
    return set_gate(stages["won"], WON_GATE)


@pytest.mark.parametrize("source", INTERACTIVE_SOURCES)
def test_won_gate_blocks_every_interactive_source(stages, won_gate, source):
    opportunity = make_opportunity(stage_code="negotiation", created_at=T0)

    with pytest.raises(GateBlocked) as blocked:
        move(opportunity, stages["won"], source=source)

    assert [item.code for item in blocked.value.items] == ["field_missing", "field_missing"]
    assert [item.target for item in blocked.value.items] == ["won_amount", "signed_date"]
    opportunity.refresh_from_db()
    assert opportunity.stage == stages["negotiation"]
    assert opportunity.status == OpportunityStatus.OPEN
    assert interval_count(opportunity) == 1


def test_blocked_message_is_chinese(stages, won_gate):
    opportunity = make_opportunity(stage_code="negotiation", created_at=T0)

    with override("zh-hans"), pytest.raises(GateBlocked) as blocked:
        move(opportunity, stages["won"])

    assert [item.message for item in blocked.value.items] == ["请填写赢单金额。", "请填写签约日期。"]


def test_blocked_attempt_is_recorded_per_gate(stages, won_gate):
    opportunity = make_opportunity(stage_code="negotiation", created_at=T0)

    with pytest.raises(GateBlocked):
        move(opportunity, stages["won"], source=MoveSource.API)

    attempt = GateAttempt.objects.get()
    assert attempt.gate == won_gate
    assert attempt.source == MoveSource.API
    assert attempt.from_stage == stages["negotiation"]
    assert len(attempt.unmet) == 2


def test_won_gate_passes_with_both_values(stages, won_gate):
    opportunity = make_opportunity(stage_code="negotiation", created_at=T0)

    move(opportunity, stages["won"], field_values={"won_amount": "98000.00", "signed_date": "2026-11-20"})

    opportunity = Opportunity.objects.get(pk=opportunity.pk)
    assert opportunity.status == OpportunityStatus.WON
    assert opportunity.won_amount == Decimal("98000.00")
    assert opportunity.signed_date == dt.date(2026, 11, 20)
    assert interval_count(opportunity) == 2


def test_zero_won_amount_is_out_of_range(stages, won_gate):
    opportunity = make_opportunity(stage_code="negotiation", created_at=T0)

    with pytest.raises(GateBlocked) as blocked:
        move(opportunity, stages["won"], field_values={"won_amount": "0", "signed_date": "2026-11-20"})

    assert [item.code for item in blocked.value.items] == ["field_out_of_range"]
    assert Opportunity.objects.get(pk=opportunity.pk).won_amount is None


def test_invalid_field_value_names_value(stages, won_gate):
    opportunity = make_opportunity(stage_code="negotiation", created_at=T0)

    with pytest.raises(DomainError) as error:
        move(opportunity, stages["won"], field_values={"won_amount": "十来万"})

    assert error.value.code == "invalid_value"
    assert "十来万" in error.value.message


def test_default_contract_gate_lists_evidence(stages):
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)

    with pytest.raises(GateBlocked) as blocked:
        move(opportunity, stages["contract_drafting"])

    assert [item.code for item in blocked.value.items] == ["attachment_missing", "objections_missing"]
    assert interval_count(opportunity) == 1


def _add_evidence(opportunity, objections=3, with_response=True):
    with open(EVIDENCE / "signed_confirmation.pdf", "rb") as handle:
        add_attachment(
            actor=opportunity.owner, opportunity=opportunity, document_type=tech_confirmation(),
            upload=handle, file_name="技术参数确认书.pdf",
        )
    for number in range(objections):
        record_objection(
            actor=opportunity.owner, opportunity=opportunity, category="compatibility",
            customer_words=f"第{number + 1}个顾虑：和现有LIS能否对接？",
            response="已提供接口文档和其他医院的对接案例。" if with_response else "",
        )


def test_default_contract_gate_passes_with_evidence(stages, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)
    _add_evidence(opportunity)

    move(opportunity, stages["contract_drafting"])

    assert Opportunity.objects.get(pk=opportunity.pk).stage == stages["contract_drafting"]
    assert interval_count(opportunity) == 2


def test_unanswered_objections_do_not_count(stages, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)
    _add_evidence(opportunity, with_response=False)

    with pytest.raises(GateBlocked) as blocked:
        move(opportunity, stages["contract_drafting"])

    assert [item.code for item in blocked.value.items] == ["objections_missing"]


def test_objections_from_earlier_stay_do_not_count(stages, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    opportunity = make_opportunity(stage_code="tech_evaluation", created_at=T0)
    _add_evidence(opportunity)
    move(opportunity, stages["negotiation"], at=timezone.now() + ONE_DAY)

    with pytest.raises(GateBlocked) as blocked:
        move(opportunity, stages["contract_drafting"], at=timezone.now() + 2 * ONE_DAY)

    assert [item.code for item in blocked.value.items] == ["objections_missing"]


def test_skipping_a_stage_passes_its_gate(stages):
    set_gate(stages["tech_evaluation"], {"type": "field", "field": "expected_close_date", "op": "present"})
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)

    with pytest.raises(GateBlocked) as blocked:
        move(opportunity, stages["negotiation"])

    assert [item.target for item in blocked.value.items] == ["expected_close_date"]


def test_backward_move_is_never_gated(stages):
    set_gate(stages["needs_analysis"], {"type": "field", "field": "expected_close_date", "op": "present"})
    opportunity = make_opportunity(stage_code="tech_evaluation", created_at=T0)

    result = move(opportunity, stages["needs_analysis"], reason="客户预算被砍，重新确认需求")

    assert result.is_regression
    assert interval_count(opportunity) == 2


def test_loss_passes_no_open_stage_gates(stages):
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)

    move(opportunity, stages["lost"], loss_reason="price")

    assert Opportunity.objects.get(pk=opportunity.pk).status == OpportunityStatus.LOST


def test_history_import_is_not_gated(stages):
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)

    result = move(opportunity, stages["contract_drafting"], source=MoveSource.HISTORY_IMPORT)

    assert result.moved
    assert StageInterval.objects.filter(opportunity=opportunity).last().source == MoveSource.HISTORY_IMPORT


def test_disabled_gate_does_not_block(stages):
    disable_default_contract_gate(stages)
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)

    assert move(opportunity, stages["contract_drafting"]).moved


def test_any_group_passes_on_one_option(stages):
    disable_default_contract_gate(stages)
    set_gate(stages["contract_drafting"], {"any": [
        {"type": "attachment", "document_type": "tech_confirmation"},
        {"type": "checklist", "code": "hq_waiver", "label": "总部已书面豁免"},
    ]})
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)

    with pytest.raises(GateBlocked) as blocked:
        move(opportunity, stages["contract_drafting"])
    assert [item.code for item in blocked.value.items] == ["one_of_unmet"]
    assert len(blocked.value.items[0].options) == 2

    assert move(opportunity, stages["contract_drafting"], confirmations=["hq_waiver"]).moved


def test_creating_in_gated_stage_is_blocked(stages, pipeline):
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)

    with pytest.raises(GateBlocked):
        create_opportunity(
            actor=opportunity.owner, name="直接建在合同阶段", pipeline=pipeline, owner=opportunity.owner,
            stage=stages["contract_drafting"], source=MoveSource.FORM,
        )

    assert not Opportunity.objects.filter(name="直接建在合同阶段").exists()


def test_exe_renamed_pdf_is_rejected(stages, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)

    with open(EVIDENCE / "setup_renamed.pdf", "rb") as handle, pytest.raises(DomainError) as error:
        add_attachment(actor=opportunity.owner, opportunity=opportunity, document_type=tech_confirmation(),
                       upload=handle, file_name="setup_renamed.pdf")

    assert error.value.code == "attachment_type_not_allowed"
    assert "setup_renamed.pdf" in error.value.message
    assert not opportunity.attachments.exists()


def test_png_scan_is_accepted(stages, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)

    with open(EVIDENCE / "scan.png", "rb") as handle:
        attachment = add_attachment(actor=opportunity.owner, opportunity=opportunity,
                                    document_type=tech_confirmation(), upload=handle, file_name="扫描件.png")

    assert attachment.kind == "png"
    assert attachment.uploaded_by == opportunity.owner


def test_oversized_upload_is_rejected_before_reading(stages):
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)
    document_type = tech_confirmation()

    class Unreadable(io.RawIOBase):
        def read(self, size=-1):
            raise AssertionError("the upload must not be read")

    with pytest.raises(DomainError) as error:
        add_attachment(actor=opportunity.owner, opportunity=opportunity, document_type=document_type,
                       upload=Unreadable(), file_name="huge.pdf", declared_size=document_type.max_bytes + 1)

    assert error.value.code == "attachment_too_large"


def test_stream_past_limit_is_rejected(stages):
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)
    document_type = tech_confirmation()
    document_type.max_bytes = 1024
    document_type.save()

    with pytest.raises(DomainError) as error:
        add_attachment(actor=opportunity.owner, opportunity=opportunity, document_type=document_type,
                       upload=io.BytesIO(b"%PDF-1.4\n" + b"0" * 4096), file_name="big.pdf")

    assert error.value.code == "attachment_too_large"


def test_reopening_lost_deal_past_its_stage_is_gated(stages):
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)
    move(opportunity, stages["lost"], loss_reason="price")

    with pytest.raises(GateBlocked) as blocked:
        move(opportunity, stages["contract_drafting"], reason="客户又有需求")

    assert [item.code for item in blocked.value.items] == ["attachment_missing", "objections_missing"]
    assert Opportunity.objects.get(pk=opportunity.pk).status == OpportunityStatus.LOST


def test_winning_lost_deal_passes_skipped_gates(stages, won_gate):
    StageGate.objects.filter(stage=stages["contract_drafting"]).update(enabled=True)
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)
    move(opportunity, stages["lost"], loss_reason="price")

    with pytest.raises(GateBlocked) as blocked:
        move(opportunity, stages["won"], field_values={"won_amount": "1", "signed_date": "2026-12-01"})

    assert [item.code for item in blocked.value.items] == ["attachment_missing", "objections_missing"]


def test_reopening_lost_deal_at_its_stage_is_regression(stages):
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)
    move(opportunity, stages["lost"], loss_reason="price")

    result = move(opportunity, stages["solution_demo"], reason="客户重新启动采购")

    assert result.is_regression
    assert Opportunity.objects.get(pk=opportunity.pk).status == OpportunityStatus.OPEN


def test_blocked_form_save_is_counted_for_report(stages, won_gate):
    from salespulse.crm.services import OpportunityDetails, StageChange, edit_opportunity

    opportunity = make_opportunity(stage_code="negotiation", created_at=T0)
    details = OpportunityDetails(
        name="改名", customer=opportunity.customer, product_line=opportunity.product_line,
        expected_amount=opportunity.expected_amount, expected_close_date=None,
    )

    with pytest.raises(GateBlocked):
        edit_opportunity(
            opportunity=opportunity, actor=opportunity.owner, details=details,
            stage_change=StageChange(to_stage=stages["won"], expected_stage=stages["negotiation"]),
        )

    assert GateAttempt.objects.filter(opportunity=opportunity, source=MoveSource.FORM).count() == 1
    assert Opportunity.objects.get(pk=opportunity.pk).name == opportunity.name


@pytest.mark.parametrize(
    ("file_name", "content"),
    [
        ("junk.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 40),
        ("polyglot.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n" + b"PK\x03\x04" + b"\x00" * 2048),
        ("page.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"),
    ],
)
def test_header_on_other_data_is_rejected(stages, settings, tmp_path, file_name, content):
    settings.MEDIA_ROOT = tmp_path
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)

    with pytest.raises(DomainError) as error:
        add_attachment(actor=opportunity.owner, opportunity=opportunity, document_type=tech_confirmation(),
                       upload=io.BytesIO(content), file_name=file_name)

    assert error.value.code == "attachment_type_not_allowed"


def test_future_objection_is_rejected(stages):
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)

    with pytest.raises(DomainError) as error:
        record_objection(actor=opportunity.owner, opportunity=opportunity, category="price",
                         customer_words="太贵了", response="可以分期", raised_at=timezone.now() + dt.timedelta(days=365))

    assert error.value.code == "objection_time_in_future"
    assert not opportunity.objections.exists()


def test_finance_may_not_add_evidence(stages):
    from salespulse.core.errors import PermissionDenied
    from tests.factories import UserFactory

    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)
    finance = UserFactory(role="finance", team=None, region=None)

    with pytest.raises(PermissionDenied):
        record_objection(actor=finance, opportunity=opportunity, category="price", customer_words="太贵了")
