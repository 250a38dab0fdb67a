import threading

import pytest
from django.db import connection, connections

from salespulse.core.errors import Conflict
from salespulse.pipeline.models import MoveSource, StageInterval
from salespulse.pipeline.services import move_opportunity_to_stage
from tests.factories import make_opportunity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL; run with DATABASE_URL=postgres://…")


def test_two_movers_from_same_stage_one_wins(stages):
    opportunity = make_opportunity(stage_code="solution_demo")
    start = stages["solution_demo"]
    targets = [stages["tech_evaluation"], stages["negotiation"]]
    barrier = threading.Barrier(len(targets))
    outcomes: list[str] = []

    def mover(target):
        try:
            barrier.wait(timeout=10)
            move_opportunity_to_stage(
                opportunity=opportunity, to_stage=target, actor=opportunity.owner,
                source=MoveSource.KANBAN, expected_stage=start,
            )
            outcomes.append("moved")
        except Conflict:
            outcomes.append("conflict")
        except Exception as error:  # noqa: BLE001 - reported in the assertion below
            outcomes.append(f"error: {error!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=mover, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["conflict", "moved"]
    history = StageInterval.objects.filter(opportunity=opportunity)
    assert history.count() == 2
    assert history.filter(left_at__isnull=True).count() == 1
