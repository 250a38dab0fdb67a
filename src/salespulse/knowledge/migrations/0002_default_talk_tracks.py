from django.db import migrations

from salespulse.knowledge.defaults import install_default_talk_tracks


def install(apps, schema_editor):
    install_default_talk_tracks(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
