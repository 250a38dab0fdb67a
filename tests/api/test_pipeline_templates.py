import json

import pytest
from django.test import Client

from salespulse.pipeline.models import Pipeline, StageGate
from salespulse.pipeline.template_documents import TEMPLATE_SCHEMA, dump_template, export_pipeline
from tests.pipeline.test_template_documents import empty_workspace

pytestmark = pytest.mark.django_db

IMPORT_PATH = "/api/pipelines/templates"


def template_text(pipeline):
    return dump_template(export_pipeline(pipeline))


def test_export_returns_stable_document(org, pipeline, api_as):
    response = api_as(org.rep_a).get("/api/pipelines/medical_device/template")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content.decode() == template_text(pipeline)


def test_export_of_unknown_pipeline_is_404(org, api_as):
    response = api_as(org.ops).get("/api/pipelines/east/template")

    assert response.status_code == 404
    assert response.json()["code"] == "pipeline_not_found"


def test_schema_is_public(db):
    response = Client().get("/api/pipelines/template-schema.json")

    assert response.status_code == 200
    assert response.json() == TEMPLATE_SCHEMA


def test_round_trip_into_empty_database_is_byte_identical(org, pipeline, api_as):
    exported = api_as(org.ops).get("/api/pipelines/medical_device/template").content
    empty_workspace()

    response = api_as(org.ops).post(f"{IMPORT_PATH}?dry_run=false", exported)

    assert response.status_code == 200
    body = response.json()
    assert body["applied"] is True
    assert body["changes"]["pipeline_created"] is True
    assert body["lines"][0] == "创建销售流程 medical_device。"
    assert api_as(org.ops).get("/api/pipelines/medical_device/template").content == exported


def test_dry_run_is_the_default_and_writes_nothing(org, pipeline, api_as):
    document = export_pipeline(pipeline)
    document["pipeline"]["code"] = "east_region"

    response = api_as(org.admin).post(IMPORT_PATH, document)

    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True
    assert body["applied"] is False
    assert len(body["changes"]["stages_added"]) == 8
    assert not Pipeline.objects.filter(code="east_region").exists()


def test_changed_gate_is_listed_in_english(org, pipeline, api_as):
    document = export_pipeline(pipeline)
    document["gates"][0]["rule"]["all"][1]["min"] = 2

    response = api_as(org.ops, "en").post(f"{IMPORT_PATH}?dry_run=true", document)

    assert response.json()["lines"] == ["Change the gate of stage contract_drafting."]


def test_invalid_template_names_json_path_and_changes_nothing(org, pipeline, api_as):
    document = export_pipeline(pipeline)
    document["stages"][2]["kind"] = "maybe"
    before = template_text(pipeline)

    response = api_as(org.ops).post(f"{IMPORT_PATH}?dry_run=false", document)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_pipeline_template"
    assert body["field"] == "$.stages[2].kind"
    assert "$.stages[2].kind" in body["message"]
    assert template_text(pipeline) == before


def test_body_that_is_not_json_is_422(org, api_as):
    response = api_as(org.ops).post(IMPORT_PATH, "{not json")

    assert response.status_code == 422
    assert response.json()["field"] == "$"


@pytest.mark.parametrize("role", ["rep_a", "manager", "director", "finance"])
def test_import_is_forbidden_for_other_roles(org, pipeline, api_as, role):
    document = export_pipeline(pipeline)
    document["gates"] = []

    response = api_as(getattr(org, role)).post(f"{IMPORT_PATH}?dry_run=false", document)

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "只有销售运营和管理员可以导入销售流程模板。",
    }
    assert StageGate.objects.filter(stage__code="contract_drafting").exists()


def test_reimport_reports_nothing_to_change(org, pipeline, api_as):
    response = api_as(org.ops).post(f"{IMPORT_PATH}?dry_run=false", json.loads(template_text(pipeline)))

    assert response.json()["applied"] is False
    assert response.json()["lines"] == ["销售流程 medical_device：没有需要修改的内容。"]
