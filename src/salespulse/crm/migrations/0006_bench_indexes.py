"""Covering indexes for the analytics questions timed by `make bench`.

Written as SQL (``IF NOT EXISTS``, the same text on SQLite and PostgreSQL) so the models'
state is unchanged and no app has to regenerate its migrations.

* (opportunity_id, direction, occurred_at) on interactions: counting a deal's outbound
  follow-ups before its close (the home page's lost-deals histogram and the loss
  concentration detector) becomes an index-only range scan per deal when the count is
  a correlated subquery with the conditions in WHERE.
* (customer_id, occurred_at, owner_id) on interactions: the "three reps on one customer
  within 30 days" range self-join reads the owner from the index, without the table.
"""

from django.db import migrations

INDEXES = {
    "crm_interaction_opp_dir_time": "crm_interaction (opportunity_id, direction, occurred_at)",
    "crm_interaction_cust_time_owner": "crm_interaction (customer_id, occurred_at, owner_id)",
}


class Migration(migrations.Migration):
    dependencies = [("crm", "0005_opportunity_activity_facts")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, target in INDEXES.items()
    ]
