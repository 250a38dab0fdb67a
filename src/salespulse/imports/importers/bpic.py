"""The BPIC 2012 loan-application event log, loaded as opportunity stage history.

One opportunity per ``case_id`` (``amount_req`` is its expected amount). Only
COMPLETE events count, ``W_*`` work items are ignored, and each remaining activity
reaches a stage through the saved mapping ``bpic2012_activity`` (an empty stage
means "ignore"). The history goes in through ``load_stage_history``: it happened in
another system, so no stage gate applies. Timestamps carry their own UTC offsets,
which change with daylight-saving time, and are stored in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salespulse.core.errors import DomainError
from salespulse.crm import selectors
from salespulse.crm.models import Opportunity
from salespulse.imports.changes import encode_value
from salespulse.imports.headers import FieldSpec, Parser
from salespulse.imports.importers.base import RowImporter
from salespulse.imports.importers.maven import saved_stage_mapping
from salespulse.imports.importers.records import visible_or_reject
from salespulse.imports.readers import SheetRow
from salespulse.imports.report import RowOutcome, RowProblem
from salespulse.pipeline.models import MoveSource
from salespulse.pipeline.services import HistoricalMove, create_opportunity, load_stage_history

ACTIVITY_MAPPING_CODE = "bpic2012_activity"
DEFAULT_ACTIVITY_STAGES = {
    "A_SUBMITTED": "initial_contact",
    "A_PARTLYSUBMITTED": "",
    "A_PREACCEPTED": "needs_analysis",
    "A_ACCEPTED": "",
    "A_FINALIZED": "",
    "O_SELECTED": "",
    "O_CREATED": "",
    "O_SENT": "solution_demo",
    "O_SENT_BACK": "tech_evaluation",
    "O_ACCEPTED": "contract_drafting",
    "A_REGISTERED": "contract_drafting",
    "A_APPROVED": "won",
    "A_ACTIVATED": "won",
    "A_DECLINED": "lost",
    "A_CANCELLED": "lost",
    "O_CANCELLED": "lost",
    "O_DECLINED": "lost",
}
EXTERNAL_ID_PREFIX = "bpic2012-"

BPIC_FIELDS = [
    FieldSpec("case_id", gettext_lazy("case id"), required=True),
    FieldSpec("amount_req", gettext_lazy("requested amount"), Parser.AMOUNT),
    FieldSpec("activity", gettext_lazy("activity"), required=True),
    FieldSpec("lifecycle", gettext_lazy("lifecycle")),
    FieldSpec("timestamp", gettext_lazy("time"), Parser.DATETIME, required=True),
]
BPIC_COLUMNS = {
    "case_id": "case_id",
    "amount_req": "amount_req",
    "activity": "activity",
    "lifecycle": "lifecycle",
    "timestamp": "timestamp",
}


@dataclass
class Case:
    first_row: SheetRow
    amount: Decimal | None = None
    moves: list[HistoricalMove] = field(default_factory=list)
    rejected: bool = False


def in_order(moves: list[HistoricalMove]) -> list[HistoricalMove]:
    """Sort moves by time, with a won or lost stage last among equal times.

    The log often stamps the final approval and the contract steps with the same millisecond.
    """
    return sorted(moves, key=lambda move: (move.entered_at, move.stage.is_closed))


def history_of(opportunity: Opportunity) -> list[list[Any]]:
    return [
        [stage_id, encode_value(entered_at)]
        for stage_id, entered_at in opportunity.stage_intervals.order_by(
            "entered_at", "id"
        ).values_list("stage_id", "entered_at")
    ]


def collapsed(moves: list[HistoricalMove]) -> list[list[Any]]:
    """Return the stays that ``load_stage_history`` would write for ``moves``."""
    stays: list[list[Any]] = []
    for move in in_order(moves):
        if not stays or stays[-1][0] != move.stage.pk:
            stays.append([move.stage.pk, encode_value(move.entered_at)])
    return stays


class BpicHistoryImporter(RowImporter):
    kind = "bpic_history"
    fields = BPIC_FIELDS
    match_keys = ("case_id",)
    loads_history = True
    amount_columns = {"amount_req": (Opportunity, "expected_amount")}

    def run(self) -> None:
        lookups = self.context.lookups
        mapping = saved_stage_mapping(
            ACTIVITY_MAPPING_CODE, "BPIC 2012 activity", lookups.pipeline, DEFAULT_ACTIVITY_STAGES
        )
        stages = {activity: lookups.stage(code) for activity, code in mapping.items() if code}
        cases: dict[str, Case] = {}
        unmapped: set[str] = set()
        report = self.context.report
        for row in self.table.rows:
            values = self.parse_row(row)
            case_id = str(self.cell(row, "case_id") or "").strip()
            case = cases.setdefault(case_id, Case(first_row=row))
            if values is None:
                case.rejected = True
                continue
            activity = values["activity"]
            if values.get("lifecycle", "COMPLETE").upper() != "COMPLETE" or activity.startswith(
                "W_"
            ):
                report.count(RowOutcome.SKIPPED)
                continue
            if activity not in mapping:
                unmapped.add(activity)
            stage = stages.get(activity)
            if stage is None:
                report.count(RowOutcome.SKIPPED)
                continue
            case.amount = values.get("amount_req", case.amount)
            case.moves.append(
                HistoricalMove(
                    stage=stage, entered_at=values["timestamp"], actor=self.context.actor
                )
            )

        for activity in sorted(unmapped):
            report.notes.append(
                RowProblem(
                    None,
                    "activity",
                    activity,
                    _(
                        "Activity %(value)s has no stage in the saved activity mapping and was ignored; add it to the mapping to use it."
                    )
                    % {"value": activity},
                )
            )
        for case_id, case in cases.items():
            self.import_case(case_id, case)
        self.context.recorder.flush()

    def import_case(self, case_id: str, case: Case) -> None:
        report = self.context.report
        if case.rejected:
            report.count(RowOutcome.REJECTED)
            return
        if not case.moves:
            self.reject(
                case.first_row,
                "case_id",
                case_id,
                _("Case %(case)s has no activity that maps to a stage.") % {"case": case_id},
            )
            report.count(RowOutcome.REJECTED)
            return
        try:
            with transaction.atomic():
                outcome = self.write_case(case_id, case)
        except DomainError as error:
            self.reject(case.first_row, "case_id", case_id, str(error.message))
            outcome = RowOutcome.REJECTED
        report.count(outcome)

    def write_case(self, case_id: str, case: Case) -> str:
        context = self.context
        external_id = f"{EXTERNAL_ID_PREFIX}{case_id}"
        moves = in_order(case.moves)
        existing = Opportunity.objects.filter(external_id=external_id).first()
        actor = context.actor
        if existing is not None and actor is not None:
            visible_or_reject(
                Opportunity.objects.all(),
                selectors.visible_opportunities(actor),
                existing,
                case_id,
            )
        if existing is None:
            opportunity = create_opportunity(
                actor=context.actor,
                name=f"BPIC 2012 {case_id}",
                pipeline=context.lookups.pipeline,
                owner=None,
                stage=moves[0].stage,
                created_at=moves[0].entered_at,
                source=MoveSource.IMPORT,
                external_id=external_id,
                expected_amount=case.amount,
            )
            load_stage_history(opportunity=opportunity, moves=moves, import_batch=context.batch)
            context.recorder.created(
                opportunity,
                ["external_id", "name", "expected_amount", "stage_id"],
                case.first_row.number,
            )
            return RowOutcome.CREATED

        previous_history = history_of(existing)
        new_history = collapsed(moves)
        same_amount = encode_value(existing.expected_amount) == encode_value(case.amount)
        if previous_history == new_history and same_amount:
            return RowOutcome.UNCHANGED
        previous = {"history": previous_history, "expected_amount": existing.expected_amount}
        Opportunity.objects.filter(pk=existing.pk).update(expected_amount=case.amount)
        load_stage_history(opportunity=existing, moves=moves, import_batch=context.batch)
        applied = {"history": new_history, "expected_amount": case.amount}
        context.recorder.updated(existing, applied, previous, case.first_row.number)
        return RowOutcome.UPDATED
