from django.db import migrations

from salespulse.pipeline.defaults import MEDICAL_DEVICE_PIPELINE, install_pipeline


def install(apps, schema_editor):
    install_pipeline(
        apps.get_model("pipeline", "Pipeline"),
        apps.get_model("pipeline", "Stage"),
        MEDICAL_DEVICE_PIPELINE,
        is_default=True,
    )


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
