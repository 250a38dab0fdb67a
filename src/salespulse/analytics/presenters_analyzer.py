"""Display helpers of the funnel analyzer: the filter builder's options as JSON for
``analyzer.js``, and interaction texts with the intent-tag spans marked."""

from __future__ import annotations

from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salespulse.analytics.analyzer import (
    COMPETITOR_MODES,
    CUSTOMER_KINDS,
    DATE_OPS,
    FIELDS,
    FIXED_CHOICES,
    NUMBER_OPS,
    TAG_OPS,
)
from salespulse.analytics.selectors_analyzer import Choice
from salespulse.crm.models import ActionType, OpportunityStatus
from salespulse.signals.highlight import Span, highlight


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _label(choice: Choice) -> str:
    return choice.name_en if _english() and choice.name_en else choice.name


def _op_labels() -> dict[str, str]:
    return {
        "in": _("is one of"),
        "not_in": _("is none of"),
        "gte": "≥",
        "lte": "≤",
        "gt": ">",
        "lt": "<",
        "eq": "=",
        "between": _("between"),
        "present": _("present"),
        "absent": _("absent"),
    }


def _date_op_labels() -> dict[str, str]:
    return {"gte": _("on or after"), "lte": _("on or before"), "between": _("between")}


def builder_options(choices: dict[str, list[Choice]]) -> dict:
    """Return the fields, operators, choices and button labels of the filter builder."""
    ops = _op_labels()
    date_ops = _date_op_labels()
    fixed = {
        "status": [{"value": value, "label": str(OpportunityStatus(value).label)} for value in FIXED_CHOICES["status"]],
        "last_action": [
            {"value": value, "label": str(ActionType(value).label)} for value in FIXED_CHOICES["last_action"]
        ],
    }
    fields = []
    for name, field in FIELDS.items():
        entry: dict = {"name": name, "kind": field.kind, "label": str(field.label)}
        if field.kind == "choice":
            entry["ops"] = [{"value": op, "label": ops[op]} for op in ("in", "not_in")]
            entry["choices"] = fixed.get(name) or [
                {"value": choice.value, "label": _label(choice)} for choice in choices.get(name, [])
            ]
        elif field.kind in ("days", "money"):
            entry["ops"] = [{"value": op, "label": ops[op]} for op in NUMBER_OPS]
        elif field.kind == "date":
            entry["ops"] = [{"value": op, "label": date_ops[op]} for op in DATE_OPS]
        elif field.kind == "tag":
            entry["ops"] = [{"value": op, "label": ops[op]} for op in TAG_OPS]
            entry["choices"] = [{"value": choice.value, "label": _label(choice)} for choice in choices.get("tag", [])]
            entry["competitor"] = [
                {"value": mode, "label": label}
                for mode, label in zip(
                    COMPETITOR_MODES,
                    (_("with or without a competitor"), _("naming a competitor"), _("naming no competitor")),
                    strict=True,
                )
            ]
        else:
            entry["ops"] = [{"value": "eq", "label": "="}]
            entry["choices"] = [
                {"value": kind, "label": label}
                for kind, label in zip(CUSTOMER_KINDS, (_("New customer"), _("Repeat customer")), strict=True)
            ]
        fields.append(entry)
    return {
        "fields": fields,
        "labels": {
            "and": _("All of these (AND)"),
            "or": _("Any of these (OR)"),
            "addCondition": _("Add condition"),
            "addGroup": _("Add group"),
            "remove": _("Remove"),
            "empty": _("No conditions: every deal you may see matches."),
            "days": _("days"),
            "yuan": _("yuan"),
            "tagCode": _("tag code"),
        },
    }


def tag_label(code: str, tag_names: dict[str, tuple[str, str]]) -> str:
    name, name_en = tag_names.get(code, (code, ""))
    return name_en if _english() and name_en else name


def interaction_html(entry, tag_names: dict[str, tuple[str, str]]) -> SafeString:
    """Return an evidence interaction's text with its signals' spans marked, the way the
    customer and opportunity pages mark them."""
    spans = [
        Span(signal.span_start, signal.span_end, title=tag_label(signal.tag, tag_names), tag=signal.tag)
        for signal in entry.signals
    ]
    return highlight(entry.interaction.text, spans)
