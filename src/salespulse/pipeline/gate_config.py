"""Configuration writes by sales operations: stage-gate rules, switching gates, document types.

Every function here takes the acting user and rejects anyone but ops and admin users,
so the screens, commands and the API share one permission rule.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salespulse.accounts.models import Role, User
from salespulse.core.errors import DomainError, PermissionDenied
from salespulse.pipeline.evidence import ALLOWED_KINDS
from salespulse.pipeline.gates import validate_rule
from salespulse.pipeline.models import DocumentType, Stage, StageGate

logger = logging.getLogger(__name__)

# Sales operations configure the process; administrators may do everything.
CONFIGURING_ROLES = frozenset({Role.OPS, Role.ADMIN})
# The largest size limit a document type may set, as in the template schema.
MAX_DOCUMENT_BYTES = 200 * 1024 * 1024
MIN_DOCUMENT_BYTES = 1024


def may_configure_pipelines(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in CONFIGURING_ROLES))


def _require_configurer(actor: User) -> None:
    if not may_configure_pipelines(actor):
        raise PermissionDenied(
            "permission_denied",
            _(
                "Only sales operations and administrators may change stage gates and "
                "document types."
            ),
        )


def configure_gate(*, actor: User, stage: Stage, rule: dict[str, Any], enabled: bool) -> StageGate:
    """Store the gate rule of ``stage`` and switch it on or off.

    ``enabled_at`` is set to now only when the gate goes from off (or absent) to on, so the
    fake-progress report keeps comparing against the moment the gate first took effect.
    """
    _require_configurer(actor)
    validate_rule(rule)
    _require_known_document_types(rule)

    with transaction.atomic():
        gate = StageGate.objects.select_for_update().filter(stage=stage).first()
        switched_on = enabled and (gate is None or not gate.enabled)
        if gate is None:
            gate = StageGate(stage=stage)
        gate.rule = rule
        gate.enabled = enabled
        gate.updated_by = actor
        if switched_on:
            gate.enabled_at = timezone.now()
        gate.save()

    logger.info(
        "gate %s of stage %s configured by user %s (enabled=%s, switched_on=%s)",
        gate.pk,
        stage.pk,
        actor.pk,
        enabled,
        switched_on,
    )
    return gate


def set_gate_enabled(*, actor: User, gate: StageGate, enabled: bool) -> StageGate:
    """Switch a gate on or off without touching its rule; switching on sets ``enabled_at``."""
    _require_configurer(actor)

    with transaction.atomic():
        gate = StageGate.objects.select_for_update().get(pk=gate.pk)
        if gate.enabled == enabled:
            return gate
        gate.enabled = enabled
        gate.updated_by = actor
        if enabled:
            gate.enabled_at = timezone.now()
        gate.save(update_fields=["enabled", "enabled_at", "updated_by", "updated_at"])

    logger.info(
        "gate %s of stage %s switched %s by user %s",
        gate.pk,
        gate.stage_id,
        "on" if enabled else "off",
        actor.pk,
    )
    return gate


def _document_types_in(rule: dict[str, Any]) -> set[str]:
    if rule.get("type") == "attachment":
        return {rule["document_type"]}
    return {
        code
        for group in ("all", "any")
        for child in rule.get(group, [])
        for code in _document_types_in(child)
    }


def _require_known_document_types(rule: dict[str, Any]) -> None:
    codes = _document_types_in(rule)
    missing = sorted(
        codes - set(DocumentType.objects.filter(code__in=codes).values_list("code", flat=True))
    )
    if missing:
        raise DomainError(
            "unknown_document_type",
            _("Document type %(code)s does not exist; add it on the document types page first.")
            % {"code": missing[0]},
            field="document_type",
            params={"code": missing[0]},
        )


def save_document_type(
    *,
    actor: User,
    code: str,
    name: str,
    name_en: str = "",
    allowed_kinds: list[str],
    max_bytes: int,
    document_type: DocumentType | None = None,
) -> DocumentType:
    """Create a document type, or update ``document_type``; its code never changes once created,
    because gate rules refer to it."""
    _require_configurer(actor)
    unknown = [kind for kind in allowed_kinds if kind not in ALLOWED_KINDS]
    if not allowed_kinds or unknown:
        raise DomainError(
            "invalid_allowed_kinds",
            _("Choose at least one allowed file type from PDF, JPEG and PNG."),
            field="allowed_kinds",
        )
    if not MIN_DOCUMENT_BYTES <= max_bytes <= MAX_DOCUMENT_BYTES:
        raise DomainError(
            "invalid_size_limit",
            _("The size limit must be between 1 KB and 200 MB."),
            field="max_bytes",
        )

    with transaction.atomic():
        if document_type is None:
            if DocumentType.objects.filter(code=code).exists():
                raise DomainError(
                    "duplicate_document_type",
                    _("Document type %(code)s already exists; choose another code.")
                    % {"code": code},
                    field="code",
                )
            document_type = DocumentType(code=code)
        document_type.name = name
        document_type.name_en = name_en
        document_type.allowed_kinds = ",".join(
            kind for kind in ALLOWED_KINDS if kind in allowed_kinds
        )
        document_type.max_bytes = max_bytes
        document_type.save()

    logger.info(
        "document type %s (%s) saved by user %s", document_type.pk, document_type.code, actor.pk
    )
    return document_type
