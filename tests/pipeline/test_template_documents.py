import json

import pytest

from salespulse.core.errors import DomainError
from salespulse.pipeline.models import DocumentType, Pipeline, Stage, StageGate
from salespulse.pipeline.template_documents import dump_template, export_pipeline, import_template
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


def default_template_text(pipeline):
    return dump_template(export_pipeline(pipeline))


def empty_workspace():
    """Remove every pipeline and document type, as in a fresh region's database."""
    StageGate.objects.all().delete()
    Stage.objects.all().delete()
    Pipeline.objects.all().delete()
    DocumentType.objects.all().delete()


def test_export_contains_default_gate(pipeline):
    document = export_pipeline(pipeline)

    assert document["format"] == "salespulse.pipeline-template"
    assert [stage["code"] for stage in document["stages"]][:3] == ["initial_contact", "needs_analysis", "solution_demo"]
    assert document["gates"][0]["stage"] == "contract_drafting"
    assert [d["code"] for d in document["document_types"]] == ["tech_confirmation"]


def test_round_trip_into_empty_database_is_identical(pipeline):
    text = default_template_text(pipeline)
    empty_workspace()

    diff = import_template(actor=None, text=text)

    assert diff.pipeline_created
    assert default_template_text(Pipeline.objects.get(code="medical_device")) == text


def test_reimport_changes_nothing(pipeline):
    text = default_template_text(pipeline)

    diff = import_template(actor=None, text=text)

    assert diff.is_empty


def test_dry_run_reports_diff_and_writes_nothing(pipeline):
    document = export_pipeline(pipeline)
    document["pipeline"]["code"] = "east_region"
    document["gates"][0]["rule"]["all"][1]["min"] = 2

    diff = import_template(actor=None, text=json.dumps(document), dry_run=True)

    assert diff.pipeline_created
    assert len(diff.stages_added) == 8
    assert not Pipeline.objects.filter(code="east_region").exists()


def test_changed_gate_shows_in_diff(pipeline):
    document = export_pipeline(pipeline)
    document["gates"][0]["rule"]["all"][1]["min"] = 2

    diff = import_template(actor=None, text=json.dumps(document))

    assert diff.gates_changed == ["contract_drafting"]
    assert StageGate.objects.get(stage__code="contract_drafting").rule["all"][1]["min"] == 2


def test_invalid_template_names_path_and_changes_nothing(pipeline):
    document = export_pipeline(pipeline)
    document["stages"][2]["kind"] = "maybe"
    before = default_template_text(pipeline)

    with pytest.raises(DomainError) as error:
        import_template(actor=None, text=json.dumps(document))

    assert error.value.params["path"] == "$.stages[2].kind"
    assert default_template_text(pipeline) == before


def test_gate_on_unknown_stage_is_invalid(pipeline):
    document = export_pipeline(pipeline)
    document["gates"][0]["stage"] = "signing"

    with pytest.raises(DomainError) as error:
        import_template(actor=None, text=json.dumps(document))

    assert error.value.params["path"] == "$.gates[0].stage"


def test_not_json_is_invalid():
    with pytest.raises(DomainError) as error:
        import_template(actor=None, text="{not json")

    assert error.value.params["path"] == "$"


def test_dropping_stage_in_use_is_rejected(pipeline):
    make_opportunity(stage_code="tech_evaluation")
    document = export_pipeline(pipeline)
    document["stages"] = [stage for stage in document["stages"] if stage["code"] != "tech_evaluation"]

    with pytest.raises(DomainError):
        import_template(actor=None, text=json.dumps(document))

    assert pipeline.stages.filter(code="tech_evaluation").exists()


def test_reordered_stages_are_applied(pipeline):
    document = export_pipeline(pipeline)
    stages = document["stages"]
    stages[3], stages[4] = stages[4], stages[3]

    import_template(actor=None, text=json.dumps(document))

    codes = list(pipeline.stages.order_by("position").values_list("code", flat=True))
    assert codes[3:5] == ["negotiation", "tech_evaluation"]


def test_deeply_nested_template_is_invalid_not_a_crash(pipeline):
    before = default_template_text(pipeline)

    with pytest.raises(DomainError) as error:
        import_template(actor=None, text="[" * 100_000)

    assert error.value.params["path"] == "$"
    assert default_template_text(pipeline) == before


def test_deeply_nested_gate_rule_is_invalid(pipeline):
    document = export_pipeline(pipeline)
    rule = {"type": "objections", "min": 1}
    for _ in range(200):
        rule = {"all": [rule]}
    document["gates"][0]["rule"] = rule

    with pytest.raises(DomainError) as error:
        import_template(actor=None, text=json.dumps(document))

    assert error.value.code in {"invalid_gate_rule", "invalid_pipeline_template"}
