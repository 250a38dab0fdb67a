"""The funnel analyzer's filter: a JSON tree of AND/OR groups, its validation, and its
compilation into one Django ``Q`` over ``crm.Opportunity``.

A filter is a group::

    {"op": "and", "conditions": [
        {"field": "stage", "op": "in", "value": ["tech_evaluation"]},
        {"field": "days_in_stage", "op": "gte", "value": 5},
        {"op": "or", "conditions": [
            {"field": "last_action", "op": "in", "value": ["proposal_sent"]},
            {"field": "tag", "op": "present", "value": "competitor_preference", "competitor": "with"}
        ]}
    ]}

Groups nest up to ``MAX_DEPTH`` levels; an empty group matches every opportunity. The
shape is checked with jsonschema, then values that name rows (stage, owner, team …) are
checked against the database. Field semantics:

* ``days_in_stage`` and ``days_since_interaction`` count whole days (rounded down) up to
  the moment of the request: "≥ 5" means ``stage_entered_at ≤ now − 5 days``. A deal
  with no interaction counts its days since creation.
* ``last_action`` "none" matches deals whose interactions never recorded an action.
* ``tag`` looks for a signal on the opportunity that was not rejected; ``competitor``
  "with"/"without" also requires the signal to name a competitor or not.
* ``team`` and ``region`` are the owner's; ``channel`` is the customer's.
* ``customer_kind`` "repeat": the customer has a won opportunity closed before this one
  was created. Every other deal is "new", also a deal without a customer.
* ``created`` and ``closed`` compare local calendar days (settings.TIME_ZONE); "between"
  includes both ends. An open deal never matches a ``closed`` condition.
* "not_in" also matches deals where the field is empty (no customer, no channel …).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from salespulse.core.errors import DomainError
from salespulse.core.timeutil import start_of_local_day
from salespulse.crm.models import ActionType, Opportunity, OpportunityStatus

# Groups inside groups: the top group is depth 1.
MAX_DEPTH = 4
MAX_CONDITIONS = 50
MAX_CHOICES = 200
MAX_DAYS = 36500
# A filter in a URL or a saved view; longer input is rejected before parsing.
MAX_FILTER_CHARS = 20000
# Objects and lists inside each other: four groups take nine levels, plus a value list.
# Deeper input is rejected before it reaches the JSON parser or the schema validator,
# which both recurse and would fail with RecursionError.
MAX_JSON_NESTING = 16
# Whole numbers longer than this are rejected while parsing; Python refuses to convert
# integers of more than 4300 digits, and no filter value needs more than 15.
MAX_INTEGER_DIGITS = 20
# Dates a filter may name; converting days outside this range to UTC instants would
# leave the calendar Python and the databases support.
MIN_DAY = dt.date(1900, 1, 1)
MAX_DAY = dt.date(2999, 12, 31)

CHOICE_OPS = ("in", "not_in")
NUMBER_OPS = ("gte", "lte", "gt", "lt", "eq")
DATE_OPS = ("gte", "lte", "between")
TAG_OPS = ("present", "absent")
COMPETITOR_MODES = ("any", "with", "without")
CUSTOMER_KINDS = ("new", "repeat")
NO_ACTION = "none"

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
MONEY_PATTERN = r"^\d{1,14}(\.\d{1,2})?$"
TAG_PATTERN = r"^[-a-zA-Z0-9_]{1,40}$"


@dataclass(frozen=True)
class FieldDefinition:
    """One filterable field: its kind decides the operators and the value's shape."""

    name: str
    kind: str  # choice, days, money, date, tag, customer_kind
    label: Any


FIELDS: dict[str, FieldDefinition] = {
    field.name: field
    for field in (
        FieldDefinition("stage", "choice", gettext_lazy("Stage")),
        FieldDefinition("status", "choice", gettext_lazy("Status")),
        FieldDefinition("days_in_stage", "days", gettext_lazy("Days in current stage")),
        FieldDefinition("days_since_interaction", "days", gettext_lazy("Days since last interaction")),
        FieldDefinition("last_action", "choice", gettext_lazy("Last action")),
        FieldDefinition("tag", "tag", gettext_lazy("Intent tag")),
        FieldDefinition("owner", "choice", gettext_lazy("Owner")),
        FieldDefinition("team", "choice", gettext_lazy("Team")),
        FieldDefinition("region", "choice", gettext_lazy("Region")),
        FieldDefinition("channel", "choice", gettext_lazy("Customer channel")),
        FieldDefinition("product_line", "choice", gettext_lazy("Product line")),
        FieldDefinition("amount", "money", gettext_lazy("Expected amount")),
        FieldDefinition("customer_kind", "customer_kind", gettext_lazy("New or repeat customer")),
        FieldDefinition("created", "date", gettext_lazy("Created on")),
        FieldDefinition("closed", "date", gettext_lazy("Closed on")),
    )
}

# Choice fields whose values are fixed in code; the others name database rows.
FIXED_CHOICES: dict[str, tuple[str, ...]] = {
    "status": tuple(OpportunityStatus.values),
    "last_action": tuple(ActionType.values),
}

EMPTY_FILTER: dict = {"op": "and", "conditions": []}


def _condition_schema(field: FieldDefinition) -> dict:
    """Return the jsonschema of a condition on ``field`` (without the ``field`` key check)."""
    if field.kind == "choice":
        item: dict = {"type": "string", "minLength": 1, "maxLength": 150}
        if field.name in FIXED_CHOICES:
            item = {"enum": list(FIXED_CHOICES[field.name])}
        return {
            "properties": {
                "op": {"enum": list(CHOICE_OPS)},
                "value": {"type": "array", "items": item, "minItems": 1, "maxItems": MAX_CHOICES},
            },
            "required": ["op", "value"],
        }
    if field.kind == "days":
        return {
            "properties": {
                "op": {"enum": list(NUMBER_OPS)},
                "value": {"type": "integer", "minimum": 0, "maximum": MAX_DAYS},
            },
            "required": ["op", "value"],
        }
    if field.kind == "money":
        return {
            "properties": {
                "op": {"enum": list(NUMBER_OPS)},
                "value": {
                    "anyOf": [
                        {"type": "string", "pattern": MONEY_PATTERN},
                        {"type": "number", "minimum": 0},
                    ]
                },
            },
            "required": ["op", "value"],
        }
    if field.kind == "date":
        day = {"type": "string", "pattern": DATE_PATTERN}
        return {
            "properties": {"op": {"enum": list(DATE_OPS)}},
            "required": ["op", "value"],
            "if": {"properties": {"op": {"const": "between"}}},
            "then": {"properties": {"value": {"type": "array", "items": day, "minItems": 2, "maxItems": 2}}},
            "else": {"properties": {"value": day}},
        }
    if field.kind == "tag":
        return {
            "properties": {
                "op": {"enum": list(TAG_OPS)},
                "value": {"type": "string", "pattern": TAG_PATTERN},
                "competitor": {"enum": list(COMPETITOR_MODES)},
            },
            "required": ["op", "value"],
        }
    return {
        "properties": {"op": {"enum": ["eq"]}, "value": {"enum": list(CUSTOMER_KINDS)}},
        "required": ["op", "value"],
    }


def build_schema() -> dict:
    """Return the JSON Schema (2020-12) of an analyzer filter."""
    per_field = [
        {"if": {"properties": {"field": {"const": name}}}, "then": _condition_schema(field)}
        for name, field in FIELDS.items()
    ]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": "#/$defs/group",
        "$defs": {
            "node": {
                "if": {"type": "object", "required": ["conditions"]},
                "then": {"$ref": "#/$defs/group"},
                "else": {"$ref": "#/$defs/condition"},
            },
            "group": {
                "type": "object",
                "properties": {
                    "op": {"enum": ["and", "or"]},
                    "conditions": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                },
                "required": ["op", "conditions"],
                "additionalProperties": False,
            },
            "condition": {
                "type": "object",
                "properties": {
                    "field": {"enum": list(FIELDS)},
                    "op": {},
                    "value": {},
                    "competitor": {},
                },
                "required": ["field", "op", "value"],
                "additionalProperties": False,
                "allOf": per_field,
            },
        },
    }


FILTER_SCHEMA = build_schema()
_VALIDATOR = Draft202012Validator(FILTER_SCHEMA)


# --- Errors -----------------------------------------------------------------------------


class FilterError(DomainError):
    """An invalid analyzer filter. ``errors`` lists every problem found as a translated
    sentence naming the JSON path and the bad value; ``message`` is the first one."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        path, message = errors[0]
        super().__init__("invalid_filter", message, field=path, status=422)
        self.errors = [text for _path, text in errors]


def json_path(parts: Iterable[Any]) -> str:
    """Return a path such as ``$.conditions[1].value`` for a jsonschema error path."""
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def shown_value(value: Any) -> str:
    """Return ``value`` as compact JSON for an error message, cut at 80 characters."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _type_name(type_name: Any) -> str:
    names = {
        "string": _("text"),
        "integer": _("a whole number"),
        "number": _("a number"),
        "array": _("a list"),
        "object": _("an object"),
    }
    if isinstance(type_name, list):
        return " / ".join(names.get(item, str(item)) for item in type_name)
    return names.get(type_name, str(type_name))


def _pattern_hint(pattern: str) -> str:
    if pattern == DATE_PATTERN:
        return _("a date such as 2026-03-31")
    if pattern == MONEY_PATTERN:
        return _("an amount such as 150000.00 (at most two decimals)")
    return _("a code of letters, digits, - and _")


def _schema_message(error: SchemaError) -> str:
    path = json_path(error.absolute_path)
    params = {"path": path, "value": shown_value(error.instance)}
    kind = error.validator
    if kind == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        params["key"] = missing[0] if missing else ""
        return _("The filter at %(path)s is missing the key %(key)s.") % params
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        params["key"] = ", ".join(extra)
        return _("The filter at %(path)s contains the unknown key %(key)s; remove it.") % params
    if kind in ("enum", "const"):
        choices = error.validator_value if kind == "enum" else [error.validator_value]
        params["choices"] = ", ".join(str(choice) for choice in choices)
        return _("%(value)s at %(path)s is not allowed; use one of: %(choices)s.") % params
    if kind == "type":
        params["expected"] = _type_name(error.validator_value)
        return _("%(value)s at %(path)s has the wrong type; use %(expected)s.") % params
    if kind == "minimum":
        params["limit"] = error.validator_value
        return _("%(value)s at %(path)s is too small; use %(limit)s or more.") % params
    if kind == "maximum":
        params["limit"] = error.validator_value
        return _("%(value)s at %(path)s is too large; use %(limit)s or less.") % params
    if kind in ("minItems", "minLength"):
        params["limit"] = error.validator_value
        return _("%(value)s at %(path)s is too short; give at least %(limit)s.") % params
    if kind in ("maxItems", "maxLength"):
        params["limit"] = error.validator_value
        return _("%(value)s at %(path)s is too long; give at most %(limit)s.") % params
    if kind == "pattern":
        params["expected"] = _pattern_hint(error.validator_value)
        return _("%(value)s at %(path)s is not in the expected format; use %(expected)s.") % params
    if kind == "anyOf":
        return _("%(value)s at %(path)s is not an amount; use a number such as 150000.00.") % params
    return _("%(value)s at %(path)s is invalid.") % params


def _schema_errors(spec: Any) -> list[tuple[str, str]]:
    errors = sorted(_VALIDATOR.iter_errors(spec), key=lambda error: list(map(str, error.absolute_path)))
    messages: list[tuple[str, str]] = []
    for error in errors:
        item = (json_path(error.absolute_path), _schema_message(error))
        if item not in messages:
            messages.append(item)
    return messages


# --- Parsing and validation ------------------------------------------------------------


def parse_filter_text(text: str) -> dict:
    """Parse a filter from JSON text (a URL's ``q`` or a form field) and validate it.

    Numbers with a fraction are read as Decimal, never as float. Raises ``FilterError``.
    """
    if len(text) > MAX_FILTER_CHARS:
        raise FilterError(
            [("$", _("The filter is %(length)s characters long; the limit is %(limit)s.")
              % {"length": len(text), "limit": MAX_FILTER_CHARS})]
        )
    depth = text_nesting_depth(text)
    if depth > MAX_JSON_NESTING:
        raise _nesting_error(depth)
    try:
        spec = json.loads(text, parse_float=Decimal, parse_int=_parse_int)
    except json.JSONDecodeError as error:
        raise FilterError(
            [("$", _("The filter is not valid JSON: %(reason)s at line %(line)s, column %(column)s.")
              % {"reason": error.msg, "line": error.lineno, "column": error.colno})]
        ) from error
    return validate_filter(spec)


def text_nesting_depth(text: str) -> int:
    """Return how deeply JSON objects and lists nest in ``text``, brackets inside strings
    not counted. A loop, not recursion, so any input is safe to measure."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def value_nesting_depth(value: Any) -> int:
    """Return how deeply dicts and lists nest in a decoded value, without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_JSON_NESTING:
            break
        pending.extend((child, depth + 1) for child in children)
    return deepest


def _nesting_error(depth: int) -> FilterError:
    return FilterError(
        [("$", _("The filter nests objects and lists %(depth)s levels deep; the limit is %(limit)s.")
          % {"depth": depth, "limit": MAX_JSON_NESTING})]
    )


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise FilterError(
            [("$", _("The filter contains the number %(value)s with %(count)s digits; use at most %(limit)s.")
              % {"value": shown_value(digits), "count": len(digits.lstrip("-")), "limit": MAX_INTEGER_DIGITS})]
        )
    return int(digits)


def validate_filter(spec: Any) -> dict:
    """Check ``spec`` against the schema, the nesting limits and the calendar, and return
    it normalised (amounts as strings with at most two decimals). Raises ``FilterError``."""
    depth = value_nesting_depth(spec)
    if depth > MAX_JSON_NESTING:
        raise _nesting_error(depth)
    errors = _schema_errors(spec)
    if errors:
        raise FilterError(errors)

    errors = []
    conditions = list(iter_conditions(spec))
    if len(conditions) > MAX_CONDITIONS:
        errors.append(("$", _("The filter has %(count)s conditions; the limit is %(limit)s.")
                       % {"count": len(conditions), "limit": MAX_CONDITIONS}))
    for path, depth in _group_depths(spec, "$", 1):
        if depth > MAX_DEPTH:
            errors.append((path, _("The group at %(path)s is nested %(depth)s levels deep; the limit is %(limit)s.")
                           % {"path": path, "depth": depth, "limit": MAX_DEPTH}))
    for path, condition in conditions:
        errors.extend(_value_errors(path, condition))
    if errors:
        raise FilterError(errors)
    return _normalised(spec)


def iter_conditions(group: dict, path: str = "$") -> Iterator[tuple[str, dict]]:
    """Yield ``(json path, condition)`` for every condition of a validated tree."""
    for index, node in enumerate(group["conditions"]):
        node_path = f"{path}.conditions[{index}]"
        if "conditions" in node:
            yield from iter_conditions(node, node_path)
        else:
            yield node_path, node


def _group_depths(group: dict, path: str, depth: int) -> Iterator[tuple[str, int]]:
    yield path, depth
    for index, node in enumerate(group["conditions"]):
        if "conditions" in node:
            yield from _group_depths(node, f"{path}.conditions[{index}]", depth + 1)


def _value_errors(path: str, condition: dict) -> list[tuple[str, str]]:
    field = FIELDS[condition["field"]]
    value = condition["value"]
    if field.kind == "date":
        days = value if isinstance(value, list) else [value]
        errors = []
        for index, day in enumerate(days):
            day_path = f"{path}.value[{index}]" if isinstance(value, list) else f"{path}.value"
            parsed = _parse_day(day)
            if parsed is None:
                message = _("%(value)s at %(path)s is not a calendar date; use a date such as 2026-03-31.")
                errors.append((day_path, message % {"value": shown_value(day), "path": day_path}))
            elif not MIN_DAY <= parsed <= MAX_DAY:
                message = _("%(value)s at %(path)s is outside the dates a filter may name; use a date from "
                            "%(first)s to %(last)s.")
                errors.append((day_path, message % {
                    "value": shown_value(day), "path": day_path, "first": MIN_DAY, "last": MAX_DAY}))
        if not errors and isinstance(value, list) and _parse_day(value[0]) > _parse_day(value[1]):
            errors.append((f"{path}.value", _("The range %(value)s at %(path)s starts after it ends.")
                           % {"value": shown_value(value), "path": f"{path}.value"}))
        return errors
    if field.kind == "money" and _money(value) is None:
        value_path = f"{path}.value"
        return [(value_path, _("%(value)s at %(path)s is not an amount; use a number such as 150000.00.")
                 % {"value": shown_value(value), "path": value_path})]
    # PostgreSQL cannot take a NUL character in a query parameter.
    nul_errors = [
        (f"{path}.value[{index}]", _("%(value)s at %(path)s contains a NUL character; remove it.")
         % {"value": shown_value(item), "path": f"{path}.value[{index}]"})
        for index, item in enumerate(value if field.kind == "choice" else [])
        if "\x00" in item
    ]
    if nul_errors:
        return nul_errors
    if "competitor" in condition and field.kind != "tag":
        return [(f"{path}.competitor", _("%(path)s applies only to intent tag conditions; remove it.")
                 % {"path": f"{path}.competitor"})]
    return []


def _parse_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _money(value: Any) -> Decimal | None:
    """Return a non-negative amount with at most two decimals, or None."""
    if isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2 or amount >= Decimal("1e14"):
        return None
    return amount


def _normalised(node: dict) -> dict:
    if "conditions" in node:
        return {"op": node["op"], "conditions": [_normalised(child) for child in node["conditions"]]}
    condition = dict(node)
    if FIELDS[condition["field"]].kind == "money":
        condition["value"] = str(_money(condition["value"]))
    return condition


def filter_to_text(spec: dict) -> str:
    """Return the compact JSON of a normalised filter, as it goes into a URL."""
    return json.dumps(spec, ensure_ascii=False, separators=(",", ":"))


def referenced_values(spec: dict) -> dict[str, set[str]]:
    """Return the values each database-backed choice field names (stage codes, usernames …)."""
    values: dict[str, set[str]] = {}
    for _path, condition in iter_conditions(spec):
        field = FIELDS[condition["field"]]
        if field.kind == "choice" and field.name not in FIXED_CHOICES:
            values.setdefault(field.name, set()).update(condition["value"])
    return values


def unknown_value_errors(spec: dict, known: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Return an error for every choice value that ``known`` (field → existing values) lacks."""
    errors = []
    for path, condition in iter_conditions(spec):
        name = condition["field"]
        if name not in known:
            continue
        for index, value in enumerate(condition["value"]):
            if value not in known[name]:
                value_path = f"{path}.value[{index}]"
                errors.append((value_path, _("%(value)s at %(path)s does not exist: choose an existing %(field)s.")
                               % {"value": shown_value(value), "path": value_path, "field": FIELDS[name].label}))
    return errors


# --- Compilation ------------------------------------------------------------------------


def compile_filter(spec: dict, *, now: dt.datetime) -> Q:
    """Compile a validated filter into one ``Q`` over ``Opportunity``.

    Everything becomes SQL: plain lookups for the opportunity's own columns and joins,
    ``Exists`` subqueries for intent tags and repeat customers. ``now`` is the moment
    day counts are measured to.
    """
    compiled = _compile_node(spec, now)
    return Q() if compiled is None else compiled


def _compile_node(node: dict, now: dt.datetime) -> Q | None:
    """Return the node's Q, or None when it matches every opportunity (an empty group)."""
    if "conditions" not in node:
        return _compile_condition(node, now)
    children = [_compile_node(child, now) for child in node["conditions"]]
    if node["op"] == "or":
        if not children or any(child is None for child in children):
            return None
        combined = children[0]
        for child in children[1:]:
            combined |= child
        return combined
    restricting = [child for child in children if child is not None]
    if not restricting:
        return None
    combined = restricting[0]
    for child in restricting[1:]:
        combined &= child
    return combined


CHOICE_LOOKUPS = {
    "stage": "stage__code",
    "status": "status",
    "last_action": "last_action_type",
    "owner": "owner__username",
    "team": "owner__team__code",
    "region": "owner__region__code",
    "channel": "customer__channel__code",
    "product_line": "product_line__code",
}


def _compile_condition(condition: dict, now: dt.datetime) -> Q:
    field = FIELDS[condition["field"]]
    op, value = condition["op"], condition["value"]
    if field.kind == "choice":
        values = list(value)
        if field.name == "last_action":
            # An opportunity without any recorded action keeps an empty last_action_type.
            values = ["" if item == NO_ACTION else item for item in values]
        match = Q(**{f"{CHOICE_LOOKUPS[field.name]}__in": values})
        return match if op == "in" else ~match
    if field.kind == "days":
        return _days_condition(field.name, op, value, now)
    if field.kind == "money":
        return Q(**{f"expected_amount__{'exact' if op == 'eq' else op}": Decimal(str(value))})
    if field.kind == "date":
        return _date_condition("created_at" if field.name == "created" else "closed_at", op, value)
    if field.kind == "tag":
        exists = Q(Exists(_tag_signals(value, condition.get("competitor", "any"))))
        return exists if op == "present" else ~exists
    repeat = Q(Exists(_earlier_wins()))
    return repeat if value == "repeat" else ~repeat


def _days_condition(name: str, op: str, days: int, now: dt.datetime) -> Q:
    """Return the Q for "whole days since the timestamp ``op`` ``days``".

    Whole days are rounded down, so "≥ N" is ``timestamp ≤ now − N days`` and "≤ N" is
    ``timestamp > now − (N + 1) days``.
    """
    def since(cutoff_days: int) -> dt.datetime:
        return now - dt.timedelta(days=cutoff_days)

    bounds = {
        "gte": ("lte", since(days), None),
        "gt": ("lte", since(days + 1), None),
        "lte": (None, None, since(days + 1)),
        "lt": (None, None, since(days)),
        "eq": ("lte", since(days), since(days + 1)),
    }
    upper_lookup, upper, lower = bounds[op]

    def on(column: str) -> Q:
        match = Q()
        if upper is not None:
            match &= Q(**{f"{column}__{upper_lookup}": upper})
        if lower is not None:
            match &= Q(**{f"{column}__gt": lower})
        return match

    if name == "days_in_stage":
        return on("stage_entered_at")
    # A deal without any interaction counts its silence from its creation.
    return (Q(last_interaction_at__isnull=False) & on("last_interaction_at")) | (
        Q(last_interaction_at__isnull=True) & on("created_at")
    )


def _date_condition(column: str, op: str, value: Any) -> Q:
    if op == "between":
        start, end = (dt.date.fromisoformat(day) for day in value)
    else:
        start = end = dt.date.fromisoformat(value)
    match = Q()
    if op in ("gte", "between"):
        match &= Q(**{f"{column}__gte": start_of_local_day(start)})
    if op in ("lte", "between"):
        match &= Q(**{f"{column}__lt": start_of_local_day(end + dt.timedelta(days=1))})
    return match


def _tag_signals(tag: str, competitor: str):
    from salespulse.signals.models import Signal, SignalStatus

    signals = Signal.objects.filter(opportunity_id=OuterRef("pk"), tag=tag).exclude(status=SignalStatus.REJECTED)
    if competitor == "with":
        signals = signals.exclude(competitor="")
    elif competitor == "without":
        signals = signals.filter(competitor="")
    return signals


def _earlier_wins():
    """Won opportunities of the same customer closed before the outer one was created."""
    return Opportunity.objects.filter(
        customer_id=OuterRef("customer_id"),
        status=OpportunityStatus.WON,
        closed_at__lt=OuterRef("created_at"),
    )
