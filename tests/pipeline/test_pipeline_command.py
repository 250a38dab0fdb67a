import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import override

from salespulse.pipeline.models import Pipeline, StageGate
from salespulse.pipeline.template_documents import TEMPLATE_SCHEMA, dump_template, export_pipeline
from tests.pipeline.test_template_documents import empty_workspace

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    output = io.StringIO()
    with override("en"):
        call_command("pipeline", *args, stdout=output, stderr=io.StringIO())
    return output.getvalue()


def test_export_prints_template(pipeline):
    assert run("export", "medical_device") == dump_template(export_pipeline(pipeline))


def test_export_unknown_pipeline_fails(pipeline):
    with override("en"), pytest.raises(CommandError) as error:
        call_command("pipeline", "export", "east", stdout=io.StringIO())

    assert str(error.value) == "Pipeline east does not exist; known pipelines: medical_device."


def test_export_to_file_then_import_into_empty_database(pipeline, tmp_path):
    path = tmp_path / "medical_device.json"
    run("export", "medical_device", "-o", str(path))
    exported = path.read_bytes()
    empty_workspace()

    output = run("import", str(path))

    assert output.splitlines()[0] == "Create pipeline medical_device."
    assert "Add the gate of stage contract_drafting." in output.splitlines()
    assert dump_template(export_pipeline(Pipeline.objects.get(code="medical_device"))).encode() == exported


def test_import_dry_run_changes_nothing(pipeline, tmp_path):
    document = export_pipeline(pipeline)
    document["gates"] = []
    path = tmp_path / "no_gates.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    output = run("import", str(path), "--dry-run")

    assert output.splitlines() == ["Remove the gate of stage contract_drafting.", "Dry run: nothing was saved."]
    assert StageGate.objects.filter(stage__code="contract_drafting").exists()


def test_import_invalid_template_names_path(pipeline, tmp_path):
    document = export_pipeline(pipeline)
    document["stages"][1]["probability"] = 150
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    before = dump_template(export_pipeline(pipeline))

    with override("en"), pytest.raises(CommandError) as error:
        call_command("pipeline", "import", str(path), stdout=io.StringIO())

    assert "$.stages[1].probability" in str(error.value)
    assert dump_template(export_pipeline(pipeline)) == before


def test_import_missing_file_fails(tmp_path):
    with pytest.raises(CommandError) as error:
        run("import", str(tmp_path / "missing.json"))

    assert "missing.json" in str(error.value)


def test_schema_prints_published_schema():
    assert json.loads(run("schema")) == TEMPLATE_SCHEMA
