"""Builders for hand-computed analytics fixtures: deals moved at exact local times."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from salespulse.pipeline.models import MoveSource, Stage
from salespulse.pipeline.services import move_opportunity_to_stage
from tests.factories import make_opportunity

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def deal_path(owner, created_at, moves, *, won_amount=None, **fields):
    """Create a deal at ``created_at`` in its first stage, then move it through
    ``moves``, a list of (stage code, local datetime)."""
    opportunity = make_opportunity(owner=owner, created_at=created_at, **fields)
    stages = {stage.code: stage for stage in Stage.objects.filter(pipeline=opportunity.pipeline)}
    for code, at in moves:
        move_opportunity_to_stage(
            opportunity=opportunity,
            to_stage=stages[code],
            actor=owner,
            source=MoveSource.DEMO,
            at=at,
            won_amount=Decimal(won_amount) if code == "won" and won_amount else None,
        )
        opportunity.refresh_from_db()
    return opportunity
