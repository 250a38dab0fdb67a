"""Rebate agreement templates: one agreement version with its tier table as a JSON document.

The document is versioned and validated against ``TEMPLATE_SCHEMA``. Import computes
a diff first (the dry run) and applies it in one transaction. Customers are matched by
external id when the document has one, else by exact name; products by code; a
customer group by code (it must exist). A version that already has confirmations is
never changed: raise ``agreement.version`` to import new terms.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from salespulse.accounts.models import User
from salespulse.core.errors import DomainError
from salespulse.crm.models import Customer, Product
from salespulse.rebates.calculation import parse_tiers
from salespulse.rebates.models import (
    AgreementStatus,
    AuditAction,
    CalculationMode,
    CustomerGroup,
    PeriodKind,
    RebateAgreement,
    RebateAuditEvent,
    RebateTier,
)

logger = logging.getLogger(__name__)

FORMAT = "salespulse.rebate-agreement-template"
VERSION = 1

_DECIMAL = {"type": "string", "pattern": r"^\d+(\.\d+)?$"}
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}

TEMPLATE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://salespulse.example/schemas/rebate-agreement-template-v1.json",
    "title": "SalesPulse rebate agreement template, version 1",
    "type": "object",
    "required": ["format", "version", "agreement"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        "agreement": {
            "type": "object",
            "required": ["code", "version", "period_kind", "mode", "effective_from", "products", "tiers"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "minLength": 1, "maxLength": 60},
                "name": {"type": "string", "maxLength": 200},
                "version": {"type": "integer", "minimum": 1},
                "customer": {
                    "type": "object",
                    "required": ["name"],
                    "additionalProperties": False,
                    "properties": {"name": {"type": "string"}, "external_id": {"type": ["string", "null"]}},
                },
                "customer_group": {"type": "string", "minLength": 1},
                "period_kind": {"enum": list(PeriodKind.values)},
                "mode": {"enum": list(CalculationMode.values)},
                "effective_from": _DATE,
                "effective_to": {"anyOf": [_DATE, {"type": "null"}]},
                "status": {"enum": list(AgreementStatus.values)},
                "notes": {"type": "string"},
                "products": {"type": "array", "uniqueItems": True, "items": {"type": "string", "minLength": 1}},
                "tiers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["threshold", "rate"],
                        "additionalProperties": False,
                        "properties": {"threshold": _DECIMAL, "rate": _DECIMAL},
                    },
                },
            },
            "oneOf": [{"required": ["customer"]}, {"required": ["customer_group"]}],
        },
    },
}
_validator = Draft202012Validator(TEMPLATE_SCHEMA)


@dataclass
class TemplateDiff:
    """What an import changes: ``created`` or the list of ``(field, old, new)`` changes."""

    code: str
    version: int
    created: bool = False
    changes: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.created and not self.changes

    def describe(self) -> list[str]:
        """Return one translated line per change."""
        if self.created:
            return [
                _("Agreement %(code)s version %(version)s will be created.")
                % {"code": self.code, "version": self.version}
            ]
        if not self.changes:
            return [
                _("Agreement %(code)s version %(version)s is unchanged.") % {"code": self.code, "version": self.version}
            ]
        return [
            _("%(field)s: %(old)s → %(new)s") % {"field": name, "old": old, "new": new}
            for name, old, new in self.changes
        ]


def export_agreement(agreement: RebateAgreement) -> dict[str, Any]:
    """Build the template document of one agreement version; keys and lists have a fixed order."""
    body: dict[str, Any] = {
        "code": agreement.code,
        "name": agreement.name,
        "version": agreement.version,
        "period_kind": agreement.period_kind,
        "mode": agreement.mode,
        "effective_from": agreement.effective_from.isoformat(),
        "effective_to": agreement.effective_to.isoformat() if agreement.effective_to else None,
        "status": agreement.status,
        "notes": agreement.notes,
        "products": sorted(agreement.products.values_list("code", flat=True)),
        "tiers": [
            {"threshold": f"{tier.threshold:.2f}", "rate": f"{tier.rate.normalize():f}"}
            for tier in agreement.tiers.order_by("threshold")
        ],
    }
    if agreement.customer_id:
        body["customer"] = {"name": agreement.customer.name, "external_id": agreement.customer.external_id}
    else:
        body["customer_group"] = agreement.customer_group.code
    return {"format": FORMAT, "version": VERSION, "agreement": body}


def dump_template(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _invalid(path: str, problem: str) -> DomainError:
    return DomainError(
        "invalid_rebate_template",
        _("The rebate agreement template is invalid at %(path)s: %(problem)s") % {"path": path, "problem": problem},
        field=path,
        params={"path": path},
    )


def parse_template(text: str | bytes) -> dict[str, Any]:
    """Parse and validate a template document; raises ``DomainError`` naming the JSON path."""
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise _invalid("$", str(error)) from error
    error = best_match(_validator.iter_errors(document))
    if error is not None:
        path = "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
        raise _invalid(path, error.message)
    body = document["agreement"]
    parse_tiers(body["tiers"])
    if body.get("effective_to") and body["effective_to"] < body["effective_from"]:
        raise _invalid("$.agreement.effective_to", _("the end date is before the start date"))
    return document


def _resolve(body: dict[str, Any]) -> dict[str, Any]:
    """Look up the customer, group and products the template names."""
    resolved: dict[str, Any] = {"customer": None, "customer_group": None}
    if "customer" in body:
        reference = body["customer"]
        customers = Customer.objects.all()
        if reference.get("external_id"):
            match = customers.filter(external_id=reference["external_id"]).first()
        else:
            match = customers.filter(name=reference["name"]).first()
        if match is None:
            raise _invalid("$.agreement.customer", _("customer %(name)s does not exist") % {"name": reference["name"]})
        resolved["customer"] = match
    else:
        group = CustomerGroup.objects.filter(code=body["customer_group"]).first()
        if group is None:
            raise _invalid(
                "$.agreement.customer_group",
                _("customer group %(code)s does not exist") % {"code": body["customer_group"]},
            )
        resolved["customer_group"] = group
    products = list(Product.objects.filter(code__in=body["products"]))
    missing = sorted(set(body["products"]) - {product.code for product in products})
    if missing:
        raise _invalid("$.agreement.products", _("unknown product codes: %(codes)s") % {"codes": ", ".join(missing)})
    resolved["products"] = products
    return resolved


def import_template(*, actor: User | None, text: str | bytes, dry_run: bool = False) -> TemplateDiff:
    """Validate the template, compute the diff, and apply it in one transaction unless ``dry_run``."""
    document = parse_template(text)
    body = document["agreement"]
    resolved = _resolve(body)
    existing = RebateAgreement.objects.filter(code=body["code"], version=body["version"]).first()

    diff = TemplateDiff(code=body["code"], version=body["version"], created=existing is None)
    if existing is not None:
        before = export_agreement(existing)["agreement"]
        after = {**before, **{key: value for key, value in body.items()}}
        after["tiers"] = [
            {"threshold": f"{Decimal(row['threshold']):.2f}", "rate": f"{Decimal(row['rate']).normalize():f}"}
            for row in body["tiers"]
        ]
        after["products"] = sorted(body["products"])
        for key in sorted(set(before) | set(after)):
            if (
                key == "customer"
                and resolved["customer"] is not None
                and existing.customer_id == resolved["customer"].pk
            ):
                continue
            if before.get(key) != after.get(key):
                diff.changes.append(
                    (
                        key,
                        json.dumps(before.get(key), ensure_ascii=False),
                        json.dumps(after.get(key), ensure_ascii=False),
                    )
                )
        if diff.changes and existing.confirmations.exists():
            raise DomainError(
                "agreement_version_in_use",
                _(
                    "Agreement %(code)s version %(version)s already has confirmations and cannot change. "
                    "Import the new terms as version %(next)s."
                )
                % {"code": body["code"], "version": body["version"], "next": body["version"] + 1},
                field="$.agreement.version",
                params={"code": body["code"]},
            )
    if dry_run or diff.is_empty:
        return diff

    with transaction.atomic():
        agreement = existing or RebateAgreement(code=body["code"], version=body["version"], created_by=actor)
        agreement.name = body.get("name", "")
        agreement.customer = resolved["customer"]
        agreement.customer_group = resolved["customer_group"]
        agreement.period_kind = body["period_kind"]
        agreement.mode = body["mode"]
        agreement.effective_from = dt.date.fromisoformat(body["effective_from"])
        agreement.effective_to = dt.date.fromisoformat(body["effective_to"]) if body.get("effective_to") else None
        agreement.status = body.get("status", AgreementStatus.DRAFT)
        agreement.notes = body.get("notes", "")
        agreement.save()
        agreement.products.set(resolved["products"])
        agreement.tiers.all().delete()
        RebateTier.objects.bulk_create(
            RebateTier(agreement=agreement, threshold=tier.threshold, rate=tier.rate)
            for tier in parse_tiers(body["tiers"])
        )

        RebateAuditEvent.objects.create(
            agreement=agreement,
            action=AuditAction.AGREEMENT_IMPORTED,
            actor=actor,
            at=timezone.now(),
            details={"created": diff.created, "changed": [name for name, _old, _new in diff.changes]},
        )

    logger.info(
        "Rebate agreement %s version %s imported (agreement %s)", agreement.code, agreement.version, agreement.pk
    )
    return diff
