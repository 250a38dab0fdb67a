"""A PostgreSQL index of completed stays by stage and dwell time.

The stuck-deal detector needs each stage's p90 dwell. With this index PostgreSQL reads
the two values around the p90 rank from the long end of the stage's stays instead of
sorting all of them (``analytics.detectors.stage_p90_days``). The key columns after the
dwell let it answer from the index alone. SQLite computes the percentile another way
and gets no such index: there it would lure the planner away from better plans for the
team-scoped dwell queries.
"""

from django.db import migrations

CREATE = """
    CREATE INDEX stay_by_stage_dwell ON pipeline_stageinterval
    (stage_id, (CAST(EXTRACT(EPOCH FROM (left_at - entered_at)) AS double precision)), left_at, entered_at)
    WHERE left_at IS NOT NULL
"""
DROP = "DROP INDEX IF EXISTS stay_by_stage_dwell"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0004_default_gates")]

    operations = [migrations.RunPython(create_index, drop_index)]
