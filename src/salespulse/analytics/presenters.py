"""Apache ECharts options for the manager's home, built from the selectors' results.

Options are plain JSON (no JavaScript callbacks) so templates pass them through
``json_script``. Labels are translated with the active language; stage and channel
names use their English name when the language is English.
"""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salespulse.analytics.selectors import ChannelCycle, LossFollowups, LossMatrix, RevenueSplit
from salespulse.pipeline.defaults import PRICE_NEGOTIATION_STAGE

ACCENT = "#0f766e"
WARN = "#b91c1c"
MUTED_PALETTE = ("#94a3b8", "#64748b", "#7dd3fc", "#38bdf8", "#0ea5e9", "#0369a1")
NEW_COLOUR = "#f59e0b"
REPEAT_COLOUR = ACCENT

GRID = {"left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": True}


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _localised(name: str, name_en: str) -> str:
    return name_en if _english() and name_en else name


def conversion_cycle_options(cycles: list[ChannelCycle]) -> dict:
    labels = [
        _localised(cycle.channel_name, cycle.channel_name_en) or _("No channel") for cycle in cycles
    ]
    return {
        "tooltip": {"trigger": "axis"},
        "grid": GRID,
        "xAxis": {"type": "value", "name": _("days")},
        "yAxis": {"type": "category", "data": labels, "inverse": True},
        "series": [
            {
                "type": "bar",
                "name": _("Average days to win"),
                "data": [str(cycle.average_days) for cycle in cycles],
                "itemStyle": {"color": ACCENT},
                "label": {"show": True, "position": "right"},
            }
        ],
    }


def losses_by_rep_options(matrix: LossMatrix) -> dict:
    """Stacked bars, one per rep, one segment per stage; price negotiation in red."""
    reps = list(reversed(matrix.reps))
    series = []
    for index, stage in enumerate(matrix.stages):
        highlighted = stage.code == PRICE_NEGOTIATION_STAGE
        series.append(
            {
                "type": "bar",
                "stack": "losses",
                "name": _localised(stage.name, stage.name_en),
                "data": [rep.by_stage.get(stage.code, 0) for rep in reps],
                "itemStyle": {
                    "color": WARN if highlighted else MUTED_PALETTE[index % len(MUTED_PALETTE)]
                },
                "label": {"show": highlighted, "position": "inside", "color": "#fff"},
                "emphasis": {"focus": "series"},
            }
        )
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"type": "scroll", "top": 0},
        "grid": GRID,
        "xAxis": {"type": "value", "name": _("lost deals"), "minInterval": 1},
        "yAxis": {"type": "category", "data": [rep.rep_name for rep in reps]},
        "series": series,
    }


def revenue_options(split: RevenueSplit) -> dict:
    years = [str(year.year) for year in split.years]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": GRID,
        "xAxis": {"type": "category", "data": years},
        "yAxis": {"type": "value", "name": _("yuan")},
        "series": [
            {
                "type": "bar",
                "stack": "revenue",
                "name": _("Repeat customers"),
                "data": [str(year.repeat) for year in split.years],
                "itemStyle": {"color": REPEAT_COLOUR},
            },
            {
                "type": "bar",
                "stack": "revenue",
                "name": _("New customers"),
                "data": [str(year.new) for year in split.years],
                "itemStyle": {"color": NEW_COLOUR},
            },
        ],
    }


def followup_options(followups: LossFollowups) -> dict:
    labels = [str(bucket.followups) for bucket in followups.buckets]
    labels[-1] = _("%(count)s or more") % {"count": followups.cap}
    return {
        "tooltip": {"trigger": "axis"},
        "grid": GRID,
        "xAxis": {"type": "category", "data": labels, "name": _("follow-ups")},
        "yAxis": {"type": "value", "name": _("lost deals"), "minInterval": 1},
        "series": [
            {
                "type": "bar",
                "name": _("Lost deals"),
                "data": [bucket.lost_deals for bucket in followups.buckets],
                "itemStyle": {"color": WARN},
            }
        ],
    }
