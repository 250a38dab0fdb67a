"""Table rows and Apache ECharts options for the fake-progress page.

The numbers come from ``pipeline.fake_progress``; this module only formats them. Options
are plain JSON (no JavaScript callbacks) so the template passes them through
``json_script``. Shares are shown as percentages with two decimals, rounded half-up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from salespulse.core.templatetags.display import localized_name
from salespulse.pipeline.fake_progress import (
    REVERSAL_WINDOW,
    FakeProgressReport,
    GateEffect,
    ReversalShare,
)

ACCENT = "#0f766e"
WARN = "#b91c1c"
BEFORE_COLOUR = "#94a3b8"
GRID = {"left": 8, "right": 24, "top": 40, "bottom": 8, "containLabel": True}
PERCENT_PLACES = Decimal("0.01")


def percent(share: Decimal | None) -> Decimal | None:
    """Return a share (0.4286) as a percentage (42.86), or None when there were no moves."""
    if share is None:
        return None
    return (share * 100).quantize(PERCENT_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class ShareRow:
    """One table row: who, how many forward moves, how many reversed, and the share in percent."""

    name: str
    forward_moves: int
    reversed_moves: int
    percent: Decimal | None

    @classmethod
    def of(cls, name: str, figures: ReversalShare) -> ShareRow:
        return cls(name, figures.forward_moves, figures.reversed_moves, percent(figures.share))


@dataclass(frozen=True)
class GateRow:
    """One stage gate: its blocked attempts, and fake progress before and after its switch-on."""

    pipeline: str
    stage: str
    enabled: bool
    enabled_at: dt.datetime | None
    blocked_attempts: int
    window_days: int | None
    before: ShareRow | None
    after: ShareRow | None


def rep_rows(report: FakeProgressReport) -> list[ShareRow]:
    return [
        ShareRow.of(str(row.rep) if row.rep else _("Deleted user"), row.figures)
        for row in report.reps
    ]


def team_rows(report: FakeProgressReport) -> list[ShareRow]:
    return [
        ShareRow.of(row.team.name if row.team else _("No team"), row.figures)
        for row in report.teams
    ]


def gate_rows(report: FakeProgressReport) -> list[GateRow]:
    return [_gate_row(effect) for effect in report.gates]


def _gate_row(effect: GateEffect) -> GateRow:
    gate = effect.gate
    return GateRow(
        pipeline=localized_name(gate.stage.pipeline),
        stage=localized_name(gate.stage),
        enabled=gate.enabled,
        enabled_at=gate.enabled_at,
        blocked_attempts=effect.blocked_attempts,
        window_days=effect.window.days if effect.window is not None else None,
        before=ShareRow.of("", effect.before) if effect.before is not None else None,
        after=ShareRow.of("", effect.after) if effect.after is not None else None,
    )


def rep_share_options(rows: list[ShareRow]) -> dict:
    """Horizontal bars: the percentage of each rep's forward moves that were reversed."""
    shown = [row for row in rows if row.percent is not None]
    # ECharts draws the first category at the bottom, so reverse to keep the table's order.
    shown.reverse()
    return {
        "tooltip": {"trigger": "axis"},
        "grid": GRID,
        "xAxis": {"type": "value", "name": "%", "max": 100},
        "yAxis": {"type": "category", "data": [row.name for row in shown]},
        "series": [
            {
                "type": "bar",
                "name": _("Reversed within %(days)s days, in percent")
                % {"days": REVERSAL_WINDOW.days},
                "data": [str(row.percent) for row in shown],
                "itemStyle": {"color": WARN},
                "label": {"show": True, "position": "right", "formatter": "{c}%"},
            }
        ],
    }


def gate_effect_options(rows: list[GateRow]) -> dict:
    """Grouped bars per gate: the reversed share before and after the gate was switched on."""
    shown = [row for row in rows if row.before is not None and row.after is not None]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": GRID,
        "xAxis": {"type": "category", "data": [row.stage for row in shown]},
        "yAxis": {"type": "value", "name": "%", "max": 100},
        "series": [
            {
                "type": "bar",
                "name": _("Before the gate"),
                "data": [
                    str(row.before.percent) if row.before.percent is not None else None
                    for row in shown
                ],
                "itemStyle": {"color": BEFORE_COLOUR},
            },
            {
                "type": "bar",
                "name": _("After the gate"),
                "data": [
                    str(row.after.percent) if row.after.percent is not None else None
                    for row in shown
                ],
                "itemStyle": {"color": ACCENT},
            },
        ],
    }
