"""Stage-gate rules: a JSON rule tree, its schema, and its evaluation.

A rule is data, never code. Groups combine conditions::

    {"all": [
        {"type": "field", "field": "won_amount", "op": "gt", "value": "0"},
        {"type": "field", "field": "signed_date", "op": "present"},
        {"any": [
            {"type": "attachment", "document_type": "tech_confirmation", "min": 1},
            {"type": "checklist", "code": "hq_waiver", "label": "总部已书面豁免", "label_en": "HQ waived it in writing"}
        ]}
    ]}

Evaluation returns the unmet items; an empty list means the gate is passed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import jsonschema
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from jsonschema.exceptions import ValidationError, best_match

from salespulse.core.errors import DomainError
from salespulse.crm.models import Opportunity

# Fields a gate may test, with their kind. Only these are readable by a rule.
GATE_FIELDS: dict[str, str] = {
    "expected_amount": "decimal",
    "won_amount": "decimal",
    "expected_close_date": "date",
    "signed_date": "date",
    "decision_maker": "relation",
    "customer": "relation",
    "product_line": "relation",
    "product": "relation",
}
COMPARISONS = ("gt", "gte", "lt", "lte")
CONDITION_TYPES = ("field", "attachment", "objections", "checklist")
# Groups inside groups: far more than a person configures, far less than Python's recursion limit.
MAX_RULE_DEPTH = 12

RULE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://salespulse.example/schemas/stage-gate-rule.json",
    "title": "SalesPulse stage-gate rule",
    "$ref": "#/$defs/node",
    "$defs": {
        # A node is chosen by its key ("all", "any") or its "type", with if/then rather
        # than oneOf, so a validation error points at the faulty property itself.
        "node": {
            "type": "object",
            "anyOf": [
                {"required": ["all"]},
                {"required": ["any"]},
                {"required": ["type"], "properties": {"type": {"enum": list(CONDITION_TYPES)}}},
            ],
            "allOf": [
                {"if": {"required": ["all"]}, "then": {"$ref": "#/$defs/all"}},
                {"if": {"required": ["any"]}, "then": {"$ref": "#/$defs/any"}},
                *(
                    {
                        "if": {"required": ["type"], "properties": {"type": {"const": kind}}},
                        "then": {"$ref": f"#/$defs/{kind}"},
                    }
                    for kind in CONDITION_TYPES
                ),
            ],
        },
        "all": {
            "type": "object",
            "properties": {"all": {"type": "array", "maxItems": 50, "items": {"$ref": "#/$defs/node"}}},
            "required": ["all"],
            "additionalProperties": False,
        },
        "any": {
            "type": "object",
            "properties": {"any": {"type": "array", "minItems": 1, "maxItems": 50, "items": {"$ref": "#/$defs/node"}}},
            "required": ["any"],
            "additionalProperties": False,
        },
        "field": {
            "type": "object",
            "properties": {
                "type": {"const": "field"},
                "field": {"enum": sorted(GATE_FIELDS)},
                "op": {"enum": ["present", *COMPARISONS]},
                "value": {"type": "string", "maxLength": 40},
            },
            "required": ["type", "field", "op"],
            "additionalProperties": False,
        },
        "attachment": {
            "type": "object",
            "properties": {
                "type": {"const": "attachment"},
                "document_type": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 40},
                "min": {"type": "integer", "minimum": 1, "maximum": 50},
            },
            "required": ["type", "document_type"],
            "additionalProperties": False,
        },
        "objections": {
            "type": "object",
            "properties": {
                "type": {"const": "objections"},
                "min": {"type": "integer", "minimum": 1, "maximum": 50},
                "with_response": {"type": "boolean"},
            },
            "required": ["type", "min"],
            "additionalProperties": False,
        },
        "checklist": {
            "type": "object",
            "properties": {
                "type": {"const": "checklist"},
                "code": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 40},
                "label": {"type": "string", "minLength": 1, "maxLength": 200},
                "label_en": {"type": "string", "maxLength": 200},
            },
            "required": ["type", "code", "label"],
            "additionalProperties": False,
        },
    },
}

_validator = jsonschema.Draft202012Validator(RULE_SCHEMA)


def validate_rule(rule: Any, *, path_prefix: str = "$") -> None:
    """Raise ``DomainError`` naming the JSON path of the first problem in ``rule``."""
    if _depth(rule) > MAX_RULE_DEPTH:
        raise DomainError(
            "invalid_gate_rule",
            _("The gate rule is invalid at %(path)s: %(problem)s")
            % {"path": path_prefix, "problem": _("groups may be nested at most %(depth)s levels deep") % {"depth": MAX_RULE_DEPTH}},
            field=path_prefix,
            params={"path": path_prefix},
        )
    error = best_match(_validator.iter_errors(rule))
    if error is not None:
        path = path_prefix + "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
        )
        raise DomainError(
            "invalid_gate_rule",
            _("The gate rule is invalid at %(path)s: %(problem)s") % {"path": path, "problem": describe_schema_error(error)},
            field=path,
            params={"path": path},
        )
    for leaf_path, leaf in _leaves(rule, path_prefix):
        if leaf.get("type") == "field" and leaf["op"] in COMPARISONS:
            if GATE_FIELDS[leaf["field"]] != "decimal":
                raise DomainError(
                    "invalid_gate_rule",
                    _("The gate rule is invalid at %(path)s: field %(field)s can only be required, not compared.")
                    % {"path": leaf_path, "field": leaf["field"]},
                    field=leaf_path,
                    params={"path": leaf_path},
                )
            if _parse_decimal(leaf.get("value")) is None:
                raise DomainError(
                    "invalid_gate_rule",
                    _("The gate rule is invalid at %(path)s: %(value)s is not a decimal number.")
                    % {"path": leaf_path + ".value", "value": leaf.get("value")},
                    field=leaf_path + ".value",
                    params={"path": leaf_path + ".value"},
                )


def _children(node: Any) -> Iterable[Any]:
    if isinstance(node, dict):
        return node.values()
    if isinstance(node, list):
        return node
    return ()


def _depth(node: Any, limit: int = 64) -> int:
    """Return how deeply lists and objects nest in ``node``, counting no further than ``limit``."""
    depth = 0
    level = [node]
    while level and depth <= limit:
        depth += 1
        level = [child for item in level for child in _children(item) if isinstance(child, dict | list)]
    return depth


def describe_schema_error(error: ValidationError) -> str:
    """Return a translated sentence for a JSON Schema error (jsonschema's own text is English)."""
    value = json.dumps(error.instance, ensure_ascii=False)[:80]
    expected = error.validator_value
    templates = {
        "type": _("%(value)s should be of type %(expected)s"),
        "enum": _("%(value)s is not one of %(expected)s"),
        "const": _("%(value)s should be %(expected)s"),
        "minimum": _("%(value)s is less than the minimum %(expected)s"),
        "maximum": _("%(value)s is greater than the maximum %(expected)s"),
        "minLength": _("%(value)s is shorter than %(expected)s characters"),
        "maxLength": _("%(value)s is longer than %(expected)s characters"),
        "minItems": _("the list needs at least %(expected)s item(s)"),
        "pattern": _("%(value)s may contain only letters, digits, - and _"),
        "required": _("a required key is missing: %(expected)s"),
        "additionalProperties": _("unknown key(s) in %(value)s"),
        "uniqueItems": _("the list contains duplicates"),
    }
    template = templates.get(error.validator)
    if template is None:
        return error.message
    if isinstance(expected, list | tuple):
        expected = ", ".join(str(item) for item in expected)
    return template % {"value": value, "expected": expected}


def _leaves(node: dict, path: str) -> Iterable[tuple[str, dict]]:
    for group in ("all", "any"):
        if group in node:
            for index, child in enumerate(node[group]):
                yield from _leaves(child, f"{path}.{group}[{index}]")
            return
    yield path, node


def _parse_decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


@dataclass(frozen=True)
class UnmetItem:
    """One thing missing before the move may happen, with what the UI needs to link a fix."""

    code: str
    message: str
    target: str = ""
    options: tuple[UnmetItem, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            data["target"] = self.target
        if self.options:
            data["options"] = [option.as_dict() for option in self.options]
        return data


@dataclass(frozen=True)
class GateContext:
    """Evidence a gate is evaluated against: the deal as it would be after the move."""

    opportunity: Opportunity
    confirmations: frozenset[str]
    attachment_counts: dict[str, int]
    objections_total: int
    objections_answered: int
    document_type_names: dict[str, str]


def evaluate(rule: dict, context: GateContext) -> list[UnmetItem]:
    """Return the unmet items of ``rule``; empty when the rule holds."""
    if not rule:
        return []
    if "all" in rule:
        unmet: list[UnmetItem] = []
        for child in rule["all"]:
            unmet.extend(evaluate(child, context))
        return unmet
    if "any" in rule:
        alternatives = [evaluate(child, context) for child in rule["any"]]
        if any(not items for items in alternatives):
            return []
        options = tuple(item for items in alternatives for item in items)
        summary = _("Meet one of: %(options)s") % {"options": "；".join(option.message for option in options)}
        return [UnmetItem("one_of_unmet", summary, options=options)]
    return _evaluate_leaf(rule, context)


def _evaluate_leaf(leaf: dict, context: GateContext) -> list[UnmetItem]:
    kind = leaf["type"]
    if kind == "field":
        return _evaluate_field(leaf, context.opportunity)
    if kind == "attachment":
        needed = leaf.get("min", 1)
        code = leaf["document_type"]
        if context.attachment_counts.get(code, 0) >= needed:
            return []
        name = context.document_type_names.get(code, code)
        return [
            UnmetItem(
                "attachment_missing",
                _("Upload %(count)s × %(document)s.") % {"count": needed, "document": name},
                target=code,
            )
        ]
    if kind == "objections":
        needed = leaf["min"]
        have = context.objections_answered if leaf.get("with_response", True) else context.objections_total
        if have >= needed:
            return []
        return [
            UnmetItem(
                "objections_missing",
                _("Record at least %(needed)s customer objections with a response in the current stage (now %(have)s).")
                % {"needed": needed, "have": have},
                target=str(needed),
            )
        ]
    if kind == "checklist":
        if leaf["code"] in context.confirmations:
            return []
        label = leaf.get("label_en") if (get_language() or "").startswith("en") and leaf.get("label_en") else leaf["label"]
        return [UnmetItem("checklist_unconfirmed", _("Confirm: %(item)s") % {"item": label}, target=leaf["code"])]
    raise ValueError(f"unknown gate condition type {kind!r}; validate rules with validate_rule() first")


def _evaluate_field(leaf: dict, opportunity: Opportunity) -> list[UnmetItem]:
    name = leaf["field"]
    label = str(Opportunity._meta.get_field(name).verbose_name)
    value = getattr(opportunity, f"{name}_id" if GATE_FIELDS[name] == "relation" else name)
    if value is None or value == "":
        return [UnmetItem("field_missing", _("Fill in %(field)s.") % {"field": label}, target=name)]
    if leaf["op"] == "present":
        return []

    limit = Decimal(leaf["value"])
    holds = {
        "gt": value > limit,
        "gte": value >= limit,
        "lt": value < limit,
        "lte": value <= limit,
    }[leaf["op"]]
    if holds:
        return []
    wording = {
        "gt": _("%(field)s must be greater than %(limit)s."),
        "gte": _("%(field)s must be at least %(limit)s."),
        "lt": _("%(field)s must be less than %(limit)s."),
        "lte": _("%(field)s must be at most %(limit)s."),
    }[leaf["op"]]
    return [UnmetItem("field_out_of_range", wording % {"field": label, "limit": limit}, target=name)]


def coerce_field_value(name: str, raw: Any) -> Any:
    """Turn a submitted value for a gate field into its Python type, or raise ``DomainError``.

    Relations are taken as primary keys; the caller checks they belong to the deal.
    """
    if name not in GATE_FIELDS:
        raise DomainError(
            "unknown_field",
            _("Field %(field)s cannot be set while moving a deal.") % {"field": name},
            field=name,
        )
    if raw is None or raw == "":
        return None
    kind = GATE_FIELDS[name]
    if kind == "decimal":
        number = raw if isinstance(raw, Decimal) else _parse_decimal(str(raw).strip().replace(",", ""))
        if number is None or isinstance(raw, float):
            raise DomainError(
                "invalid_value",
                _("%(value)s is not a valid amount for %(field)s; enter a number such as 125000.00.")
                % {"value": raw, "field": str(Opportunity._meta.get_field(name).verbose_name)},
                field=name,
            )
        return number
    if kind == "date":
        if isinstance(raw, dt.date):
            return raw
        try:
            return dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise DomainError(
                "invalid_value",
                _("%(value)s is not a valid date for %(field)s; use YYYY-MM-DD.")
                % {"value": raw, "field": str(Opportunity._meta.get_field(name).verbose_name)},
                field=name,
            ) from None
    if hasattr(raw, "pk"):
        return raw.pk
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise DomainError(
            "invalid_value",
            _("%(value)s is not a valid choice for %(field)s.")
            % {"value": raw, "field": str(Opportunity._meta.get_field(name).verbose_name)},
            field=name,
        ) from None
