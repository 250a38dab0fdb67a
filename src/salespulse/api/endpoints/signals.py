"""Quick capture over the API ("同步至CRM"): a pasted snippet in, its extraction or the
written record out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from salespulse.api.schemas import ErrorOut
from salespulse.signals.models import CaptureDraft, Signal, SignalStatus
from salespulse.signals.services_capture import capture_in_one_call

router = Router(tags=["signals"])


class CaptureIn(Schema):
    text: str = Field(description="The pasted chat snippet or quote.", max_length=10_000)
    action: str | None = Field(
        None,
        description="quote, appointment, sample_request, visit, demo, objection or message "
        "(the interaction action names quote_sent, sample_requested, demo_done are accepted too).",
    )
    customer_id: int | None = Field(None, description="Replaces the customer guessed from the nickname.")
    opportunity_id: int | None = Field(None, description="Replaces the guessed opportunity.")
    confirm: bool = Field(False, description="false: return the extraction only; true: write the record.")


class CaptureSignalOut(Schema):
    tag: str
    confidence: Decimal
    evidence: str


class CaptureOut(Schema):
    draft_id: int
    status: str = Field(description="pending (extraction only) or confirmed (written).")
    occurred_at: dt.datetime
    time_found: bool
    nickname: str
    organisation: str
    amount: Decimal | None
    attachment_name: str
    channel: str
    action: str
    text: str
    customer_id: int | None
    opportunity_id: int | None
    interaction_id: int | None = None
    lead_id: int | None = None
    signals: list[CaptureSignalOut] = []


def _out(draft: CaptureDraft) -> dict:
    extracted = draft.extracted
    interaction = draft.interaction
    signals = []
    if interaction is not None:
        signals = list(
            Signal.objects.filter(interaction=interaction)
            .exclude(status=SignalStatus.REJECTED)
            .values("tag", "confidence", "evidence")
        )
    return {
        "draft_id": draft.pk,
        "status": draft.status,
        "occurred_at": interaction.occurred_at if interaction else dt.datetime.fromisoformat(extracted["occurred_at"]),
        "time_found": bool(extracted.get("time_found")),
        "nickname": extracted.get("nickname", ""),
        "organisation": extracted.get("organisation", ""),
        "amount": Decimal(extracted["amount"]) if extracted.get("amount") else None,
        "attachment_name": extracted.get("attachment_name", ""),
        "channel": interaction.channel if interaction else extracted.get("channel", ""),
        "action": draft.action,
        "text": interaction.text if interaction else extracted.get("text", ""),
        "customer_id": interaction.customer_id if interaction else extracted.get("customer_id"),
        "opportunity_id": interaction.opportunity_id if interaction else extracted.get("opportunity_id"),
        "interaction_id": draft.interaction_id,
        "lead_id": draft.lead_id,
        "signals": signals,
    }


@router.post(
    "/capture",
    response={200: CaptureOut, 201: CaptureOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Capture a chat snippet or quote (同步至CRM)",
)
def capture(request: HttpRequest, payload: CaptureIn) -> Status[dict]:
    """Without ``confirm`` the response is the extraction (time, counterpart nickname, amount,
    attachment name) and the guessed customer and opportunity, stored as a pending draft.
    With ``confirm`` the record is written: an interaction with its signals on the
    customer, or a pending lead when no customer matches."""
    draft = capture_in_one_call(
        user=request.auth,
        text=payload.text,
        action=payload.action or "",
        customer_id=payload.customer_id,
        opportunity_id=payload.opportunity_id,
        confirm=payload.confirm,
    )
    return Status(201 if payload.confirm else 200, _out(draft))
