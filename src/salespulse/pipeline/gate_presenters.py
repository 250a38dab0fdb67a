"""Readable one-line summaries of gate rules for the pipeline settings page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salespulse.pipeline.gate_editor import OPERATOR_LABELS, field_label
from salespulse.pipeline.models import DocumentType, Pipeline, Stage, StageGate


def describe_rule(rule: dict[str, Any], document_type_names: dict[str, str]) -> str:
    """Return the rule as one translated sentence, e.g. "All of: 1 × 报价单 uploaded; …"."""
    if not rule:
        return _("No conditions.")
    return _describe(rule, document_type_names, top=True)


def _describe(node: dict[str, Any], names: dict[str, str], *, top: bool) -> str:
    for group in ("all", "any"):
        if group in node:
            if not node[group]:
                return _("No conditions.")
            parts = _separator().join(_describe(child, names, top=False) for child in node[group])
            if group == "all":
                return (_("All of: %(conditions)s") if top else _("all of (%(conditions)s)")) % {
                    "conditions": parts
                }
            return (_("One of: %(conditions)s") if top else _("one of (%(conditions)s)")) % {
                "conditions": parts
            }
    return _describe_leaf(node, names)


def _separator() -> str:
    """Return the list separator: the full-width semicolon in Chinese, as gate messages use."""
    return "; " if _english() else "；"


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _describe_leaf(leaf: dict[str, Any], names: dict[str, str]) -> str:
    kind = leaf["type"]
    if kind == "field":
        label = field_label(leaf["field"])
        if leaf["op"] == "present":
            return _("%(field)s is filled in") % {"field": label}
        return _("%(field)s %(operator)s %(value)s") % {
            "field": label,
            "operator": OPERATOR_LABELS[leaf["op"]],
            "value": leaf.get("value", ""),
        }
    if kind == "attachment":
        code = leaf["document_type"]
        return _("%(count)s × %(document)s uploaded") % {
            "count": leaf.get("min", 1),
            "document": names.get(code, code),
        }
    if kind == "objections":
        if leaf.get("with_response", True):
            return _("at least %(count)s objections with a response") % {"count": leaf["min"]}
        return _("at least %(count)s objections recorded") % {"count": leaf["min"]}
    label = (
        leaf.get("label_en")
        if _english() and leaf.get("label_en")
        else leaf.get("label", leaf.get("code", ""))
    )
    return _("confirmed: %(item)s") % {"item": label}


@dataclass(frozen=True)
class StageGateRow:
    """One line of the pipeline settings page."""

    stage: Stage
    gate: StageGate | None
    summary: str


def stage_gate_rows(pipeline: Pipeline) -> list[StageGateRow]:
    """Return every stage of ``pipeline`` in order with its gate and rule summary (two queries)."""
    names = dict(DocumentType.objects.values_list("code", "name"))
    rows = []
    for stage in pipeline.stages.select_related("gate__updated_by").order_by("position"):
        gate = getattr(stage, "gate", None)
        rows.append(StageGateRow(stage, gate, describe_rule(gate.rule, names) if gate else ""))
    return rows
