"""Pipeline templates: export, import with a dry-run diff, and the published JSON Schema."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router

from salespulse.accounts.models import Role, User
from salespulse.api.schemas import ErrorOut, TemplateImportOut
from salespulse.core.errors import NotFound, PermissionDenied
from salespulse.pipeline.models import Pipeline
from salespulse.pipeline.template_documents import TEMPLATE_SCHEMA, dump_template, export_pipeline, import_template
from salespulse.pipeline.template_presenters import describe_template_diff

router = Router(tags=["pipeline templates"])

# Sales operations configure pipelines; admins may do everything.
TEMPLATE_IMPORT_ROLES = frozenset({Role.OPS, Role.ADMIN})


def _require_template_importer(user: User) -> None:
    if user.is_superuser or user.role in TEMPLATE_IMPORT_ROLES:
        return
    raise PermissionDenied(
        "permission_denied",
        _("Only sales operations and administrators may import pipeline templates."),
    )


@router.get("/template-schema.json", auth=None, summary="JSON Schema of pipeline templates")
def template_schema(request: HttpRequest) -> JsonResponse:
    """Return the schema that every imported template is validated against. It is public, like the OpenAPI document."""
    return JsonResponse(TEMPLATE_SCHEMA, json_dumps_params={"ensure_ascii": False})


@router.post(
    "/templates",
    response={200: TemplateImportOut, 403: ErrorOut, 422: ErrorOut},
    summary="Import a pipeline template",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "description": "A template; see /api/pipelines/template-schema.json."}
                }
            },
        }
    },
)
def import_pipeline_template(request: HttpRequest, dry_run: bool = True) -> dict:
    """Compare the template in the request body with the database and, unless ``dry_run``,
    apply it in one transaction. ``dry_run`` is true unless the client sends ``false``.

    An invalid template answers 422 with the failing JSON path in ``field`` (for example
    ``$.stages[2].kind``) and changes nothing. Only ops and admin users may call this.
    """
    _require_template_importer(request.auth)

    diff = import_template(actor=request.auth, text=request.body, dry_run=dry_run)
    # import_template validated the body, so it is a JSON object with a pipeline code.
    code = json.loads(request.body)["pipeline"]["code"]
    return {
        "pipeline": code,
        "dry_run": dry_run,
        "applied": not dry_run and not diff.is_empty,
        "changes": {
            "pipeline_created": diff.pipeline_created,
            "pipeline_changes": diff.pipeline_changes,
            "stages_added": diff.stages_added,
            "stages_changed": diff.stages_changed,
            "stages_removed": diff.stages_removed,
            "document_types_added": diff.document_types_added,
            "document_types_changed": diff.document_types_changed,
            "gates_added": diff.gates_added,
            "gates_changed": diff.gates_changed,
            "gates_removed": diff.gates_removed,
        },
        "lines": describe_template_diff(diff, pipeline_code=code),
    }


@router.get("/{code}/template", response={200: dict, 404: ErrorOut}, summary="Export a pipeline template")
def export_pipeline_template(request: HttpRequest, code: str) -> HttpResponse:
    """Export the pipeline's stages, document types and gates as a template document.

    The text is stable: exporting the same pipeline twice, or after a round trip
    through import, gives identical bytes.
    """
    pipeline = Pipeline.objects.filter(code=code).first()
    if pipeline is None:
        raise NotFound(
            "pipeline_not_found",
            _("Pipeline %(value)s does not exist; use a pipeline code such as medical_device.") % {"value": code},
            field="code",
        )
    return HttpResponse(dump_template(export_pipeline(pipeline)), content_type="application/json; charset=utf-8")
