"""Request and response shapes of the API.

Money is a decimal string with two places ("125000.00"), never a JSON number, so no
client parses it into a binary float. Times are ISO-8601 in UTC ("2025-03-18T02:00:00Z").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import PlainSerializer, WithJsonSchema

from salespulse.core.money import quantize_money


def _money_to_text(value: Decimal) -> str:
    return str(quantize_money(value))


def _datetime_to_utc_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


Money = Annotated[
    Decimal,
    PlainSerializer(_money_to_text, return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "125000.00"}),
]
UtcDateTime = Annotated[
    dt.datetime,
    PlainSerializer(_datetime_to_utc_text, return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "format": "date-time", "example": "2025-03-18T02:00:00Z"}),
]


class ErrorOut(Schema):
    code: str = Field(description="Stable machine-readable error code.")
    message: str = Field(description="Whole sentence for the user, in the request's language.")
    field: str | None = Field(None, description="The input at fault, when there is one.")


class UserRef(Schema):
    id: int
    username: str
    display_name: str


class CodeName(Schema):
    code: str
    name: str


class StageRef(Schema):
    code: str
    name: str
    name_en: str
    kind: str


class CustomerRef(Schema):
    id: int
    name: str


class CustomerOut(Schema):
    id: int
    name: str
    short_name: str
    external_id: str | None
    channel: CodeName | None
    tier: CodeName | None
    region: CodeName | None
    owner: UserRef | None
    city: str
    sector: str
    first_purchase_date: dt.date | None
    created_at: UtcDateTime


class CustomerDetailOut(CustomerOut):
    address: str
    notes: str


OpportunityStatusText = Literal["open", "won", "lost"]


class OpportunityOut(Schema):
    id: int
    name: str
    external_id: str | None
    customer: CustomerRef | None
    pipeline: CodeName
    stage: StageRef
    stage_entered_at: UtcDateTime
    status: OpportunityStatusText
    owner: UserRef | None
    expected_amount: Money | None
    won_amount: Money | None
    expected_close_date: dt.date | None
    lost_at_stage: StageRef | None
    loss_reason: str
    closed_at: UtcDateTime | None
    created_at: UtcDateTime


class OpportunityFilters(Schema):
    stage: str | None = Field(None, description="Stage code, e.g. negotiation.")
    owner: str | None = Field(None, description="Owner's username or numeric user id.")
    status: OpportunityStatusText | None = None
    pipeline: str | None = Field(None, description="Pipeline code or numeric id.")
    customer: int | None = Field(None, description="Customer id.")


class StageIntervalOut(Schema):
    id: int
    stage: StageRef
    from_stage: StageRef | None
    entered_at: UtcDateTime
    left_at: UtcDateTime | None
    dwell_days: float = Field(
        description="Length of the stay in days; an open stay counts up to now."
    )
    is_regression: bool
    source: str
    reason: str


# --- Stage moves, evidence, pipeline templates and reports ----------------------------

MAX_BULK_IDS = 500

Share = Annotated[
    Decimal,
    PlainSerializer(str, return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": r"^\d\.\d{4}$", "example": "0.2500"}),
]


class MoveIn(Schema):
    stage: str = Field(description="Code of the target stage, e.g. won.")
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Gate fields saved with the move: won_amount and expected_amount as decimal strings "
            '("98000.00"), signed_date and expected_close_date as YYYY-MM-DD, decision_maker, '
            "customer, product_line and product as ids."
        ),
    )
    confirmations: list[str] = Field(
        default_factory=list, description="Codes of the checklist items the user confirms."
    )
    reason: str = Field("", max_length=500, description="Required when moving back to an earlier stage.")
    expected_stage: str | None = Field(
        None,
        description="Stage code the client last saw; the move fails with 409 if the deal is elsewhere now.",
    )
    loss_reason: str = Field("", description="Loss reason code when moving to a lost stage.")
    loss_note: str = Field("", max_length=2000)


class UnmetOut(Schema):
    code: str = Field(description="field_missing, field_out_of_range, attachment_missing, ...")
    message: str
    target: str | None = Field(
        None, description="What to fix: a field name, a document type code or a checklist code."
    )
    options: list[UnmetOut] | None = Field(None, description="For one_of_unmet: meeting any option is enough.")


class GateBlockedOut(ErrorOut):
    unmet: list[UnmetOut] = Field(default_factory=list, description="Present when code is stage_gate_blocked.")


class BulkMoveIn(Schema):
    ids: list[int] = Field(min_length=1, max_length=MAX_BULK_IDS, description="Opportunity ids.")
    stage: str = Field(description="Code of the target stage in each opportunity's pipeline.")
    reason: str = Field("", max_length=500, description="Required for the deals this moves back.")
    fields: dict[str, Any] = Field(default_factory=dict, description="Gate fields applied to every deal.")
    confirmations: list[str] = Field(default_factory=list)


BulkMoveStatusText = Literal["moved", "unchanged", "blocked", "conflict", "not_found", "rejected"]


class BulkMoveResultOut(Schema):
    id: int
    status: BulkMoveStatusText
    code: str | None = None
    message: str | None = None
    unmet: list[UnmetOut] | None = None


class BulkMoveOut(Schema):
    stage: str
    moved: int = Field(description="How many deals changed stage.")
    results: list[BulkMoveResultOut]


class ObjectionIn(Schema):
    category: str = Field(description="price, compatibility, quality, service, competitor, approval, budget or other.")
    customer_words: str = Field(max_length=5000)
    response: str = Field("", max_length=5000)
    raised_at: dt.datetime | None = Field(
        None, description="When the customer raised it; now when omitted. A time without offset is Beijing time."
    )
    resolved_at: dt.datetime | None = None


class ObjectionResponseIn(Schema):
    response: str = Field(max_length=5000)
    resolved_at: dt.datetime | None = None


class ObjectionOut(Schema):
    id: int
    category: str
    category_label: str
    customer_words: str
    response: str
    stage: StageRef
    raised_at: UtcDateTime
    resolved_at: UtcDateTime | None
    recorded_by: UserRef | None


class AttachmentOut(Schema):
    id: int
    document_type: CodeName
    original_name: str
    kind: str = Field(description="pdf, jpeg or png, as detected from the content.")
    size: int = Field(description="Bytes.")
    sha256: str
    uploaded_by: UserRef | None
    uploaded_at: UtcDateTime


class TemplateImportOut(Schema):
    pipeline: str
    dry_run: bool
    applied: bool = Field(description="Whether the database was changed.")
    changes: dict[str, Any]
    lines: list[str] = Field(description="The changes as sentences in the request's language.")


class ReversalShareOut(Schema):
    forward_moves: int
    reversed_moves: int = Field(description="Forward moves followed by a regression below the stage within 14 days.")
    share: Share | None = Field(description="reversed_moves / forward_moves; null without forward moves.")


class RepFakeProgressOut(ReversalShareOut):
    rep: UserRef | None


class TeamFakeProgressOut(ReversalShareOut):
    team: CodeName | None


class GateEffectOut(Schema):
    pipeline: str
    stage: StageRef
    enabled: bool
    enabled_at: UtcDateTime | None
    blocked_attempts: int = Field(description="Moves the gate blocked in the report period.")
    window_start: UtcDateTime | None = Field(description="Start of the window before enabled_at.")
    window_end: UtcDateTime | None = Field(description="End of the window after enabled_at; both windows are equal.")
    before: ReversalShareOut | None
    after: ReversalShareOut | None


class FakeProgressOut(Schema):
    start: dt.date
    end: dt.date
    total: ReversalShareOut
    reps: list[RepFakeProgressOut]
    teams: list[TeamFakeProgressOut]
    gates: list[GateEffectOut]
