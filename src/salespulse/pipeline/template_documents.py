"""Pipeline templates: a pipeline with its stages, document types and gates as a JSON document.

Ops export a pipeline from one workspace and import it into another (another region
deploys the same process). The document is versioned and validated against a published
JSON Schema (``TEMPLATE_SCHEMA``, served at ``/pipelines/template-schema.json``). Import
first computes a diff (the dry run), then applies it in one transaction. Exporting an
imported pipeline gives the identical document: keys and lists have a fixed order.
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from salespulse.accounts.models import User
from salespulse.core.errors import DomainError
from salespulse.pipeline.gates import RULE_SCHEMA, describe_schema_error, validate_rule
from salespulse.pipeline.models import DocumentType, Pipeline, Stage, StageGate, StageKind

logger = logging.getLogger(__name__)

FORMAT = "salespulse.pipeline-template"
VERSION = 1

_SLUG = {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "minLength": 1, "maxLength": 40}
_NAME = {"type": "string", "minLength": 1, "maxLength": 80}

TEMPLATE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://salespulse.example/schemas/pipeline-template-v1.json",
    "title": "SalesPulse pipeline template, version 1",
    "type": "object",
    "required": ["format", "version", "pipeline", "stages", "document_types", "gates"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        "pipeline": {
            "type": "object",
            "required": ["code", "name"],
            "additionalProperties": False,
            "properties": {"code": _SLUG, "name": _NAME, "name_en": {"type": "string", "maxLength": 80}},
        },
        "stages": {
            "type": "array",
            "minItems": 1,
            "maxItems": 50,
            "items": {
                "type": "object",
                "required": ["code", "name", "kind"],
                "additionalProperties": False,
                "properties": {
                    "code": _SLUG,
                    "name": _NAME,
                    "name_en": {"type": "string", "maxLength": 80},
                    "kind": {"enum": [kind.value for kind in StageKind]},
                    "probability": {"type": "integer", "minimum": 0, "maximum": 100},
                },
            },
        },
        "document_types": {
            "type": "array",
            "maxItems": 50,
            "items": {
                "type": "object",
                "required": ["code", "name"],
                "additionalProperties": False,
                "properties": {
                    "code": _SLUG,
                    "name": _NAME,
                    "name_en": {"type": "string", "maxLength": 80},
                    "allowed_kinds": {
                        "type": "array",
                        "minItems": 1,
                        "uniqueItems": True,
                        "items": {"enum": ["pdf", "jpeg", "png"]},
                    },
                    "max_bytes": {"type": "integer", "minimum": 1024, "maximum": 200 * 1024 * 1024},
                },
            },
        },
        "gates": {
            "type": "array",
            "maxItems": 50,
            "items": {
                "type": "object",
                "required": ["stage", "rule"],
                "additionalProperties": False,
                "properties": {
                    "stage": _SLUG,
                    "enabled": {"type": "boolean"},
                    "rule": {"$ref": "#/$defs/rule"},
                },
            },
        },
    },
    # The gate-rule definitions are copied in whole so the published schema is self-contained.
    "$defs": {"rule": {"$ref": "#/$defs/node"}, **copy.deepcopy(RULE_SCHEMA["$defs"])},
}
_validator = Draft202012Validator(TEMPLATE_SCHEMA)


def _json_path(parts) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)


def _invalid(path: str, problem: str) -> DomainError:
    return DomainError(
        "invalid_pipeline_template",
        _("The pipeline template is invalid at %(path)s: %(problem)s") % {"path": path, "problem": problem},
        field=path,
        params={"path": path},
    )


def export_pipeline(pipeline: Pipeline) -> dict[str, Any]:
    """Return the template document of ``pipeline``."""
    stages = list(pipeline.stages.order_by("position"))
    gates = list(StageGate.objects.filter(stage__pipeline=pipeline).select_related("stage").order_by("stage__position"))
    used_types = sorted({code for gate in gates for code in _document_types_in(gate.rule)})
    document_types = DocumentType.objects.filter(code__in=used_types).order_by("code")
    return {
        "format": FORMAT,
        "version": VERSION,
        "pipeline": {"code": pipeline.code, "name": pipeline.name, "name_en": pipeline.name_en},
        "stages": [
            {"code": s.code, "name": s.name, "name_en": s.name_en, "kind": s.kind, "probability": s.probability}
            for s in stages
        ],
        "document_types": [
            {
                "code": d.code,
                "name": d.name,
                "name_en": d.name_en,
                "allowed_kinds": d.allowed_kind_list,
                "max_bytes": d.max_bytes,
            }
            for d in document_types
        ],
        "gates": [{"stage": g.stage.code, "enabled": g.enabled, "rule": g.rule} for g in gates],
    }


def dump_template(document: dict[str, Any]) -> str:
    """Serialise a template document; the same pipeline always gives the same text."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _document_types_in(rule: dict) -> list[str]:
    found: list[str] = []
    for group in ("all", "any"):
        for child in rule.get(group, []):
            found.extend(_document_types_in(child))
    if rule.get("type") == "attachment":
        found.append(rule["document_type"])
    return found


def parse_template(text: str | bytes) -> dict[str, Any]:
    """Decode and validate a template; raise ``DomainError`` naming the failing JSON path."""
    try:
        document = json.loads(text)
        error = best_match(_validator.iter_errors(document))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _invalid("$", _("not valid JSON (%(error)s)") % {"error": error}) from None
    except RecursionError:
        raise _invalid("$", _("the document is nested too deeply")) from None
    if error is not None:
        raise _invalid(_json_path(error.absolute_path), describe_schema_error(error))

    stage_codes = [stage["code"] for stage in document["stages"]]
    for index, code in enumerate(stage_codes):
        if stage_codes.index(code) != index:
            raise _invalid(f"$.stages[{index}].code", _("stage code %(code)s appears twice") % {"code": code})
    if not any(stage["kind"] == StageKind.OPEN for stage in document["stages"]):
        raise _invalid("$.stages", _("a pipeline needs at least one open stage"))

    known_types = {d["code"] for d in document["document_types"]} | set(
        DocumentType.objects.values_list("code", flat=True)
    )
    gate_stages: set[str] = set()
    for index, gate in enumerate(document["gates"]):
        path = f"$.gates[{index}]"
        if gate["stage"] not in stage_codes:
            raise _invalid(f"{path}.stage", _("stage %(code)s is not in this template") % {"code": gate["stage"]})
        if gate["stage"] in gate_stages:
            raise _invalid(f"{path}.stage", _("stage %(code)s has two gates") % {"code": gate["stage"]})
        gate_stages.add(gate["stage"])
        validate_rule(gate["rule"], path_prefix=f"{path}.rule")
        for code in _document_types_in(gate["rule"]):
            if code not in known_types:
                raise _invalid(f"{path}.rule", _("document type %(code)s is not defined") % {"code": code})
    return document


@dataclass
class TemplateDiff:
    """Changes that importing a template makes; empty lists mean nothing changes."""

    pipeline_created: bool = False
    pipeline_changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    stages_added: list[str] = field(default_factory=list)
    stages_changed: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    stages_removed: list[str] = field(default_factory=list)
    document_types_added: list[str] = field(default_factory=list)
    document_types_changed: list[str] = field(default_factory=list)
    gates_added: list[str] = field(default_factory=list)
    gates_changed: list[str] = field(default_factory=list)
    gates_removed: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(
            [self.pipeline_created, self.pipeline_changes, self.stages_added, self.stages_changed,
             self.stages_removed, self.document_types_added, self.document_types_changed,
             self.gates_added, self.gates_changed, self.gates_removed]
        )


def diff_template(document: dict[str, Any]) -> TemplateDiff:
    """Compare a validated template with the database (the dry run of an import)."""
    diff = TemplateDiff()
    pipeline = Pipeline.objects.filter(code=document["pipeline"]["code"]).first()
    if pipeline is None:
        diff.pipeline_created = True
        diff.stages_added = [stage["code"] for stage in document["stages"]]
        diff.gates_added = [gate["stage"] for gate in document["gates"]]
    else:
        for key in ("name", "name_en"):
            new = document["pipeline"].get(key, "")
            if getattr(pipeline, key) != new:
                diff.pipeline_changes[key] = (getattr(pipeline, key), new)
        _diff_stages(pipeline, document, diff)
        _diff_gates(pipeline, document, diff)

    existing_types = {d.code: d for d in DocumentType.objects.all()}
    for item in document["document_types"]:
        current = existing_types.get(item["code"])
        if current is None:
            diff.document_types_added.append(item["code"])
        elif _document_type_fields(item) != _document_type_fields(_type_as_item(current)):
            diff.document_types_changed.append(item["code"])
    return diff


def _diff_stages(pipeline: Pipeline, document: dict, diff: TemplateDiff) -> None:
    current = {stage.code: stage for stage in pipeline.stages.all()}
    for position, item in enumerate(document["stages"], start=1):
        stage = current.get(item["code"])
        if stage is None:
            diff.stages_added.append(item["code"])
            continue
        changes = {}
        expected = _stage_fields(item, position)
        for key, value in expected.items():
            if getattr(stage, key) != value:
                changes[key] = (getattr(stage, key), value)
        if changes:
            diff.stages_changed[item["code"]] = changes
    template_codes = {item["code"] for item in document["stages"]}
    diff.stages_removed = sorted(code for code in current if code not in template_codes)


def _diff_gates(pipeline: Pipeline, document: dict, diff: TemplateDiff) -> None:
    current = {gate.stage.code: gate for gate in StageGate.objects.filter(stage__pipeline=pipeline).select_related("stage")}
    for item in document["gates"]:
        gate = current.get(item["stage"])
        if gate is None:
            diff.gates_added.append(item["stage"])
        elif gate.rule != item["rule"] or gate.enabled != item.get("enabled", True):
            diff.gates_changed.append(item["stage"])
    gated_in_template = {item["stage"] for item in document["gates"]}
    diff.gates_removed = sorted(code for code in current if code not in gated_in_template)


def _stage_fields(item: dict, position: int) -> dict[str, Any]:
    return {
        "name": item["name"],
        "name_en": item.get("name_en", ""),
        "kind": item["kind"],
        "probability": item.get("probability", 0),
        "position": position * 10,
    }


def _document_type_fields(item: dict) -> tuple:
    return (item["name"], item.get("name_en", ""), tuple(item.get("allowed_kinds", ["pdf", "jpeg", "png"])),
            item.get("max_bytes", 10 * 1024 * 1024))


def _type_as_item(document_type: DocumentType) -> dict:
    return {"name": document_type.name, "name_en": document_type.name_en,
            "allowed_kinds": document_type.allowed_kind_list, "max_bytes": document_type.max_bytes}


def import_template(*, actor: User | None, text: str | bytes, dry_run: bool = False) -> TemplateDiff:
    """Validate a template, return its diff, and unless ``dry_run`` apply it in one transaction.

    A stage that the template drops but that deals still use is an error, not a deletion.
    """
    document = parse_template(text)
    diff = diff_template(document)
    if dry_run or diff.is_empty:
        return diff

    with transaction.atomic():
        pipeline, _ = Pipeline.objects.update_or_create(
            code=document["pipeline"]["code"],
            defaults={"name": document["pipeline"]["name"], "name_en": document["pipeline"].get("name_en", "")},
        )
        _apply_stages(pipeline, document, diff)
        for item in document["document_types"]:
            DocumentType.objects.update_or_create(
                code=item["code"],
                defaults={
                    "name": item["name"],
                    "name_en": item.get("name_en", ""),
                    "allowed_kinds": ",".join(item.get("allowed_kinds", ["pdf", "jpeg", "png"])),
                    "max_bytes": item.get("max_bytes", 10 * 1024 * 1024),
                },
            )
        _apply_gates(pipeline, document, actor)

    logger.info("pipeline template %s imported by user %s", pipeline.code, getattr(actor, "pk", None))
    return diff


def _apply_stages(pipeline: Pipeline, document: dict, diff: TemplateDiff) -> None:
    stages = pipeline.stages.all()
    in_use = sorted(stages.filter(code__in=diff.stages_removed, opportunities__isnull=False).values_list("code", flat=True).distinct())
    if in_use:
        raise _invalid(
            "$.stages",
            _("stage %(codes)s is missing from the template but deals are in it; move them first")
            % {"codes": ", ".join(in_use)},
        )
    stages.filter(code__in=diff.stages_removed).delete()
    # Park positions out of the way first: the unique (pipeline, position) constraint
    # would otherwise reject a reorder half-way.
    for stage in stages:
        Stage.objects.filter(pk=stage.pk).update(position=stage.position + 10000)
    for position, item in enumerate(document["stages"], start=1):
        Stage.objects.update_or_create(pipeline=pipeline, code=item["code"], defaults=_stage_fields(item, position))


def _apply_gates(pipeline: Pipeline, document: dict, actor: User | None) -> None:
    template_gates = {item["stage"]: item for item in document["gates"]}
    StageGate.objects.filter(stage__pipeline=pipeline).exclude(stage__code__in=template_gates).delete()
    for code, item in template_gates.items():
        stage = Stage.objects.get(pipeline=pipeline, code=code)
        enabled = item.get("enabled", True)
        gate = StageGate.objects.filter(stage=stage).first()
        switched_on = enabled and (gate is None or not gate.enabled)
        StageGate.objects.update_or_create(
            stage=stage,
            defaults={
                "rule": item["rule"],
                "enabled": enabled,
                "updated_by": actor,
                **({"enabled_at": timezone.now()} if switched_on else {}),
            },
        )
