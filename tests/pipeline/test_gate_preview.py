import datetime as dt

import pytest
from django.utils import timezone
from django.utils.translation import override

from salespulse.pipeline.evidence import record_objection
from salespulse.pipeline.gate_preview import gate_checklist, next_stages
from tests.factories import make_opportunity
from tests.pipeline.gate_helpers import WON_GATE, disable_default_contract_gate, set_gate

pytestmark = pytest.mark.django_db

T0 = timezone.now() - dt.timedelta(days=30)


def test_checklist_marks_met_and_unmet_fields(stages):
    disable_default_contract_gate(stages)
    set_gate(stages["won"], WON_GATE)
    opportunity = make_opportunity(stage_code="negotiation", created_at=T0, signed_date=dt.date(2026, 1, 5))

    with override("en"):
        checklist = gate_checklist(opportunity, stages["won"])

    assert [requirement.met for requirement in checklist.requirements] == [False, True]
    assert checklist.requirements[0].unmet[0].target == "won_amount"
    assert checklist.requirements[1].description == "Fill in signing date."
    assert checklist.unmet_count == 1


def test_checklist_describes_met_objections_without_count(stages):
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)
    for index in range(3):
        record_objection(actor=opportunity.owner, opportunity=opportunity, category="price",
                         customer_words=f"异议{index}", response="已答复")

    with override("en"):
        checklist = gate_checklist(opportunity, stages["contract_drafting"])

    attachment, objections = checklist.requirements
    assert not attachment.met
    assert objections.met
    assert objections.description == (
        "Record at least 3 customer objections with a response in the current stage."
    )


def test_next_stages_include_next_gated_stage(stages):
    opportunity = make_opportunity(stage_code="solution_demo", created_at=T0)

    assert next_stages(opportunity) == [stages["tech_evaluation"], stages["contract_drafting"]]


def test_next_stages_of_last_open_stage_is_won(stages):
    opportunity = make_opportunity(stage_code="contract_drafting", created_at=T0)

    assert next_stages(opportunity) == [stages["won"]]
