"""Pipeline settings for sales operations: stage gates, document types, pipeline templates.

Only ops and admin users may open these pages; everyone else gets a 403 page. Writes go
through ``pipeline.gate_config`` and ``pipeline.template_documents``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from salespulse.core.errors import DomainError
from salespulse.core.templatetags.display import localized_name
from salespulse.pipeline import gate_editor
from salespulse.pipeline.config_forms import (
    DocumentTypeForm,
    TemplateUploadForm,
    bytes_to_megabytes,
)
from salespulse.pipeline.gate_config import (
    configure_gate,
    may_configure_pipelines,
    save_document_type,
    set_gate_enabled,
)
from salespulse.pipeline.gate_presenters import stage_gate_rows
from salespulse.pipeline.models import DocumentType, Pipeline, Stage, StageGate
from salespulse.pipeline.selectors import get_pipeline
from salespulse.pipeline.template_documents import (
    TEMPLATE_SCHEMA,
    diff_template,
    dump_template,
    export_pipeline,
    import_template,
    parse_template,
)
from salespulse.pipeline.template_presenters import describe_template_diff

logger = logging.getLogger(__name__)


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "pipeline/config/forbidden.html", {"message": message}, status=403)


def configurers_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let ops and admin users through, and return a 403 page to every other signed-in user."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not may_configure_pipelines(request.user):
            logger.info("user %s denied pipeline settings page %s", request.user.pk, request.path)
            return forbidden(
                request, _("Only sales operations and administrators may change pipeline settings.")
            )
        return view(request, *args, **kwargs)

    return wrapper


@configurers_only
@require_http_methods(["GET"])
def pipeline_settings(request: HttpRequest, code: str | None = None) -> HttpResponse:
    pipeline = get_pipeline(code)
    context = {
        "pipeline": pipeline,
        "pipelines": Pipeline.objects.order_by("code"),
        "rows": stage_gate_rows(pipeline),
    }
    return render(request, "pipeline/config/settings.html", context)


def _stage(code: str, stage_code: str) -> Stage:
    return get_object_or_404(
        Stage.objects.select_related("pipeline"), pipeline__code=code, code=stage_code
    )


@configurers_only
@require_http_methods(["GET", "POST"])
def gate_edit(request: HttpRequest, code: str, stage_code: str) -> HttpResponse:
    """Show and save the rule builder.

    Add and remove buttons post the form back with ``action``, and the editor is re-rendered
    (only its fragment for htmx). The ``save`` action validates and stores the rule.
    """
    stage = _stage(code, stage_code)
    gate = StageGate.objects.filter(stage=stage).first()
    document_types = list(DocumentType.objects.order_by("code"))

    if request.method == "GET":
        editor = gate_editor.editor_from_gate(gate, document_types)
    else:
        action = request.POST.get("action", "save")
        editor = gate_editor.editor_from_post(request.POST, document_types, bound=action == "save")
        if action != "save":
            gate_editor.apply_action(editor, action, document_types)
        elif _save_gate(request, stage, editor):
            url = reverse("pipeline:config_settings", kwargs={"code": stage.pipeline.code})
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)

    leaf_buttons = [(kind, gate_editor.KIND_LABELS[kind]) for kind in gate_editor.LEAF_KINDS]
    context = {
        "stage": stage,
        "editor": editor,
        "leaf_buttons": leaf_buttons,
        "add_buttons": [
            *leaf_buttons,
            (gate_editor.GROUP, gate_editor.KIND_LABELS[gate_editor.GROUP]),
        ],
    }
    # htmx swaps only 2xx responses, so its fragment carries errors with status 200.
    if request.htmx:
        return render(request, "pipeline/config/gate_edit.html#editor", context)
    return render(
        request, "pipeline/config/gate_edit.html", context, status=422 if editor.has_errors else 200
    )


def _save_gate(request: HttpRequest, stage: Stage, editor: gate_editor.GateEditor) -> bool:
    rule = gate_editor.build_rule(editor)
    if rule is None:
        return False
    try:
        configure_gate(actor=request.user, stage=stage, rule=rule, enabled=editor.enabled)
    except DomainError as error:
        logger.info(
            "gate of stage %s rejected for user %s: %s at %s",
            stage.pk,
            request.user.pk,
            error.code,
            error.field,
        )
        gate_editor.attach_error(editor, error)
        return False
    messages.success(
        request, _("The gate of stage %(stage)s is saved.") % {"stage": localized_name(stage)}
    )
    return True


@configurers_only
@require_POST
def gate_switch(request: HttpRequest, code: str, stage_code: str) -> HttpResponse:
    stage = _stage(code, stage_code)
    gate = get_object_or_404(StageGate, stage=stage)
    enabled = request.POST.get("enabled") == "1"
    set_gate_enabled(actor=request.user, gate=gate, enabled=enabled)
    if enabled:
        messages.success(
            request,
            _("The gate of stage %(stage)s is switched on.") % {"stage": localized_name(stage)},
        )
    else:
        messages.success(
            request,
            _("The gate of stage %(stage)s is switched off.") % {"stage": localized_name(stage)},
        )
    return redirect("pipeline:config_settings", code=code)


@configurers_only
@require_http_methods(["GET"])
def document_type_list(request: HttpRequest) -> HttpResponse:
    document_types = list(DocumentType.objects.order_by("code"))
    for item in document_types:
        item.max_megabytes = bytes_to_megabytes(item.max_bytes)
    return render(
        request, "pipeline/config/document_types.html", {"document_types": document_types}
    )


@configurers_only
@require_http_methods(["GET", "POST"])
def document_type_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    document_type = get_object_or_404(DocumentType, pk=pk) if pk is not None else None
    form = DocumentTypeForm(request.POST or None, document_type=document_type)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_document_type(
                actor=request.user, document_type=document_type, **form.to_service_arguments()
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request, _("Document type %(name)s is saved.") % {"name": localized_name(saved)}
            )
            return redirect("pipeline:config_document_types")
    status = 422 if form.is_bound and form.errors else 200
    return render(
        request,
        "pipeline/config/document_type_form.html",
        {"form": form, "document_type": document_type},
        status=status,
    )


# --- pipeline templates ----------------------------------------------------------------

# Binds a dry-run upload to the confirm step of the same user. An hour is ample to decide.
TEMPLATE_SIGNING_SALT = "salespulse.pipeline.template-import"
TEMPLATE_CONFIRM_MAX_AGE = 3600


def template_schema(request: HttpRequest) -> JsonResponse:
    """Return the published JSON Schema of pipeline templates. It is public, like the API schema."""
    return JsonResponse(TEMPLATE_SCHEMA, json_dumps_params={"ensure_ascii": False, "indent": 2})


@configurers_only
@require_http_methods(["GET"])
def template_page(request: HttpRequest) -> HttpResponse:
    return _render_template_page(request, TemplateUploadForm())


def _render_template_page(
    request: HttpRequest, form: TemplateUploadForm, *, status: int = 200, **context
) -> HttpResponse:
    context.update({"pipelines": Pipeline.objects.order_by("code"), "form": form})
    return render(request, "pipeline/config/templates.html", context, status=status)


@configurers_only
@require_http_methods(["GET"])
def template_export(request: HttpRequest, code: str) -> HttpResponse:
    pipeline = get_object_or_404(Pipeline, code=code)
    response = HttpResponse(
        dump_template(export_pipeline(pipeline)), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{pipeline.code}-pipeline-template.json"'
    )
    logger.info("pipeline %s exported as a template by user %s", pipeline.pk, request.user.pk)
    return response


@configurers_only
@require_POST
def template_import(request: HttpRequest) -> HttpResponse:
    """Step 1 (a file is uploaded): validate it and show the dry-run diff with a signed copy
    of the text. Step 2 (``signed`` is posted): apply that text in one transaction."""
    salt = f"{TEMPLATE_SIGNING_SALT}:{request.user.pk}"
    if "signed" in request.POST:
        try:
            text = signing.loads(
                request.POST["signed"], salt=salt, max_age=TEMPLATE_CONFIRM_MAX_AGE
            )
        except signing.BadSignature:
            error = _("The uploaded template expired or was altered; upload the file again.")
            return _render_template_page(
                request, TemplateUploadForm(), status=400, import_error=error
            )
        try:
            diff = import_template(actor=request.user, text=text, dry_run=False)
        except DomainError as error:
            return _render_template_page(
                request, TemplateUploadForm(), status=422, import_error=error.message
            )
        code = json.loads(text)["pipeline"]["code"]
        messages.success(
            request, _("Pipeline template %(pipeline)s is imported.") % {"pipeline": code}
        )
        for line in describe_template_diff(diff, pipeline_code=code):
            messages.info(request, line)
        return redirect("pipeline:config_settings", code=code)

    form = TemplateUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_template_page(request, form, status=422)
    raw = form.cleaned_data["file"].read()
    try:
        document = parse_template(raw)
    except DomainError as error:
        logger.info(
            "pipeline template upload by user %s rejected at %s", request.user.pk, error.field
        )
        return _render_template_page(request, form, status=422, import_error=error.message)

    diff = diff_template(document)
    # The validated document, not the raw bytes, goes into the signed field: it is already
    # decoded (whatever the file's encoding or BOM) and parses the same way again on confirm.
    text = json.dumps(document, ensure_ascii=False)
    code = document["pipeline"]["code"]
    return _render_template_page(
        request,
        TemplateUploadForm(),
        preview={
            "pipeline": code,
            "file_name": form.cleaned_data["file"].name,
            "lines": describe_template_diff(diff, pipeline_code=code),
            "is_empty": diff.is_empty,
            "signed": signing.dumps(text, salt=salt, compress=True),
        },
    )
