from django.db import migrations

from salespulse.pipeline.defaults import MEDICAL_DEVICE_PIPELINE, install_pipeline


def install(apps, schema_editor):
    install_pipeline(
        apps.get_model("pipeline", "Pipeline"),
        apps.get_model("pipeline", "Stage"),
        MEDICAL_DEVICE_PIPELINE,
        is_default=True,
        gate_model=apps.get_model("pipeline", "StageGate"),
        document_type_model=apps.get_model("pipeline", "DocumentType"),
    )


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0003_documenttype_attachment_stagegate_gateattempt_and_more")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
