"""Reports: the fake-progress figures of stage moves and stage gates."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from salespulse.accounts.models import Role, User
from salespulse.api.schemas import ErrorOut, FakeProgressOut
from salespulse.core.errors import DomainError, PermissionDenied
from salespulse.pipeline.fake_progress import FakeProgressReport, ReversalShare, fake_progress_report

router = Router(tags=["reports"])

# Finance works on rebates, not on the sales process, so it does not get this report.
FAKE_PROGRESS_ROLES = frozenset({Role.REP, Role.MANAGER, Role.DIRECTOR, Role.OPS, Role.ADMIN})
# A longer period loads too many moves for one request.
MAX_REPORT_DAYS = 731


def _require_report_reader(user: User) -> None:
    if user.is_superuser or user.role in FAKE_PROGRESS_ROLES:
        return
    raise PermissionDenied(
        "permission_denied", _("Your role may not see the fake-progress report.")
    )


def _validate_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise DomainError(
            "invalid_period",
            _("The end date %(end)s is before the start date %(start)s.") % {"start": start, "end": end},
            field="end",
            status=422,
        )
    if (end - start).days >= MAX_REPORT_DAYS:
        raise DomainError(
            "period_too_long",
            _("A report covers at most %(days)s days; shorten the period from %(start)s to %(end)s.")
            % {"days": MAX_REPORT_DAYS, "start": start, "end": end},
            field="end",
            status=422,
        )


def _share_out(figures: ReversalShare) -> dict:
    return {
        "forward_moves": figures.forward_moves,
        "reversed_moves": figures.reversed_moves,
        "share": figures.share,
    }


def _report_out(report: FakeProgressReport) -> dict:
    gates = []
    for effect in report.gates:
        gate = effect.gate
        gates.append(
            {
                "pipeline": gate.stage.pipeline.code,
                "stage": gate.stage,
                "enabled": gate.enabled,
                "enabled_at": gate.enabled_at,
                "blocked_attempts": effect.blocked_attempts,
                "window_start": gate.enabled_at - effect.window if effect.window else None,
                "window_end": gate.enabled_at + effect.window if effect.window else None,
                "before": _share_out(effect.before) if effect.before else None,
                "after": _share_out(effect.after) if effect.after else None,
            }
        )
    return {
        "start": report.start,
        "end": report.end,
        "total": _share_out(report.total),
        "reps": [{"rep": row.rep, **_share_out(row.figures)} for row in report.reps],
        "teams": [{"team": row.team, **_share_out(row.figures)} for row in report.teams],
        "gates": gates,
    }


@router.get(
    "/fake-progress",
    response={200: FakeProgressOut, 403: ErrorOut, 422: ErrorOut},
    summary="Fake progress: forward moves reversed within 14 days",
)
def fake_progress(request: HttpRequest, start: dt.date, end: dt.date) -> dict:
    """Report the forward moves made on the Beijing dates ``start`` to ``end`` (both
    included) and how many were reversed within 14 days, in total, per rep and per team.

    For each stage gate the report adds the moves it blocked in the period, and the
    reversed share in two equal windows (at most 90 days) before and after the gate was
    switched on. A rep sees their own moves, a manager their team's, a director their
    region's.
    """
    _require_report_reader(request.auth)
    _validate_period(start, end)

    return _report_out(fake_progress_report(request.auth, start=start, end=end))
