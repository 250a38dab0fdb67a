import json

import pytest
from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from salespulse.accounts.models import Role
from salespulse.pipeline.config_views import TEMPLATE_SIGNING_SALT
from salespulse.pipeline.models import Pipeline, StageGate
from salespulse.pipeline.template_documents import TEMPLATE_SCHEMA, dump_template, export_pipeline
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("pipeline:config_template_import")


@pytest.fixture
def ops_client(client, db):
    client.force_login(UserFactory(username="ops", role=Role.OPS, team=None, region=None))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def north_template(pipeline) -> dict:
    """The default pipeline's template under a new code, as another region would import it."""
    document = export_pipeline(pipeline)
    document["pipeline"] = {
        "code": "north_device",
        "name": "华北医疗器械流程",
        "name_en": "North device",
    }
    return document


def upload(document_or_text) -> SimpleUploadedFile:
    text = (
        document_or_text if isinstance(document_or_text, str) else dump_template(document_or_text)
    )
    return SimpleUploadedFile("north.json", text.encode("utf-8"), content_type="application/json")


def test_export_download_equals_dump(ops_client, pipeline):
    response = ops_client.get(reverse("pipeline:config_template_export", args=[pipeline.code]))

    assert response.status_code == 200
    assert response.content.decode("utf-8") == dump_template(export_pipeline(pipeline))
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="medical_device-pipeline-template.json"'
    )


def test_schema_is_public(client):
    response = client.get(reverse("pipeline:template_schema"))

    assert response.status_code == 200
    assert response.json() == TEMPLATE_SCHEMA


def test_dry_run_shows_diff_and_writes_nothing(ops_client, pipeline):
    response = ops_client.post(IMPORT_URL, {"file": upload(north_template(pipeline))})

    assert response.status_code == 200
    lines = response.context["preview"]["lines"]
    assert lines[0] == "Create pipeline north_device."
    assert "Add stage contract_drafting." in lines
    assert "Add the gate of stage contract_drafting." in lines
    assert "Create pipeline north_device." in response.content.decode()
    assert not Pipeline.objects.filter(code="north_device").exists()


def test_dry_run_lists_changed_stage_and_gate(ops_client, pipeline):
    document = export_pipeline(pipeline)
    document["stages"][1]["name"] = "需求调研"
    document["gates"][0]["rule"]["all"][1]["min"] = 2

    response = ops_client.post(IMPORT_URL, {"file": upload(document)})

    assert response.context["preview"]["lines"] == [
        "Change name of stage needs_analysis from 需求确认 to 需求调研.",
        "Change the gate of stage contract_drafting.",
    ]
    assert pipeline.stages.get(code="needs_analysis").name == "需求确认"


def test_confirm_applies_template(ops_client, pipeline):
    document = north_template(pipeline)
    preview = ops_client.post(IMPORT_URL, {"file": upload(document)}).context["preview"]

    response = ops_client.post(IMPORT_URL, {"signed": preview["signed"]})

    assert response.status_code == 302
    assert response["Location"] == reverse("pipeline:config_settings", args=["north_device"])
    imported = Pipeline.objects.get(code="north_device")
    assert dump_template(export_pipeline(imported)) == dump_template(document)
    assert StageGate.objects.filter(stage__pipeline=imported).count() == 1


def test_invalid_template_names_json_path(ops_client, pipeline):
    document = north_template(pipeline)
    document["stages"][2]["kind"] = "maybe"

    response = ops_client.post(IMPORT_URL, {"file": upload(document)})

    assert response.status_code == 422
    message = response.context["import_error"]
    assert message.startswith("The pipeline template is invalid at $.stages[2].kind: ")
    assert "$.stages[2].kind" in response.content.decode()
    assert "preview" not in response.context
    assert not Pipeline.objects.filter(code="north_device").exists()


def test_file_that_is_not_json_is_rejected(ops_client):
    response = ops_client.post(IMPORT_URL, {"file": upload("{not json")})

    assert response.status_code == 422
    assert response.context["import_error"].startswith(
        "The pipeline template is invalid at $: not valid JSON"
    )


def test_altered_signed_text_changes_nothing(ops_client, pipeline):
    preview = ops_client.post(IMPORT_URL, {"file": upload(north_template(pipeline))}).context[
        "preview"
    ]

    response = ops_client.post(IMPORT_URL, {"signed": preview["signed"][:-2] + "xx"})

    assert response.status_code == 400
    assert response.context["import_error"] == (
        "The uploaded template expired or was altered; upload the file again."
    )
    assert not Pipeline.objects.filter(code="north_device").exists()


def test_signed_text_of_other_user_is_rejected(ops_client, client, pipeline):
    preview = ops_client.post(IMPORT_URL, {"file": upload(north_template(pipeline))}).context[
        "preview"
    ]
    ops_client.force_login(UserFactory(username="admin", role=Role.ADMIN, team=None, region=None))

    response = ops_client.post(IMPORT_URL, {"signed": preview["signed"]})

    assert response.status_code == 400
    assert not Pipeline.objects.filter(code="north_device").exists()


def test_rep_may_not_import(client, pipeline):
    client.force_login(UserFactory(role=Role.REP))

    response = client.post(IMPORT_URL, {"file": upload(north_template(pipeline))})

    assert response.status_code == 403
    assert not Pipeline.objects.filter(code="north_device").exists()


def test_template_page_lists_exports(ops_client, pipeline):
    response = ops_client.get(reverse("pipeline:config_templates"))

    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("pipeline:config_template_export", args=["medical_device"]) in body
    assert reverse("pipeline:template_schema") in body


def test_document_is_unchanged_by_signing_round_trip(ops_client, pipeline):
    document = north_template(pipeline)
    preview = ops_client.post(IMPORT_URL, {"file": upload(document)}).context["preview"]

    user_id = ops_client.session["_auth_user_id"]
    carried = signing.loads(preview["signed"], salt=f"{TEMPLATE_SIGNING_SALT}:{user_id}")
    assert json.loads(carried) == document
