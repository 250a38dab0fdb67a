"""Shared set-up for stage-gate tests."""

import datetime as dt
from pathlib import Path

from django.utils import timezone

from salespulse.pipeline.models import DocumentType, MoveSource, StageGate

EVIDENCE = Path(__file__).resolve().parent.parent / "fixtures" / "evidence"

WON_GATE = {
    "all": [
        {"type": "field", "field": "won_amount", "op": "gt", "value": "0"},
        {"type": "field", "field": "signed_date", "op": "present"},
    ]
}


def set_gate(stage, rule, *, enabled=True):
    gate, _ = StageGate.objects.update_or_create(
        stage=stage, defaults={"rule": rule, "enabled": enabled, "enabled_at": timezone.now()}
    )
    return gate


def disable_default_contract_gate(stages):
    StageGate.objects.filter(stage=stages["contract_drafting"]).update(enabled=False)


def tech_confirmation():
    return DocumentType.objects.get(code="tech_confirmation")


INTERACTIVE_SOURCES = [MoveSource.KANBAN, MoveSource.BULK, MoveSource.FORM, MoveSource.IMPORT, MoveSource.API]

ONE_DAY = dt.timedelta(days=1)
