"""Funnel analyzer pages: the filter builder with results, the evidence of one deal,
the XLSX export, and saving or deleting named views.

Thin: parse the ``q`` parameter (the filter as JSON, so a view is a link), call
``analytics.selectors_analyzer`` / ``analytics.services_views``, render. An invalid
filter is shown as a message with status 400, never as a server error.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salespulse.analytics import presenters_analyzer, selectors_analyzer, services_views
from salespulse.analytics.analyzer import EMPTY_FILTER, FilterError, filter_to_text
from salespulse.analytics.export_analyzer import write_result_workbook
from salespulse.core.errors import DomainError, NotFound
from salespulse.core.timeutil import local_date, to_local

logger = logging.getLogger(__name__)


def analyzer_url(filter_text: str = "", **params) -> str:
    """Return the analyzer's URL for a filter, e.g. to link a saved view or a result."""
    query = {"q": filter_text} if filter_text else {}
    query.update({key: value for key, value in params.items() if value})
    url = reverse("analytics:analyzer")
    return f"{url}?{urlencode(query)}" if query else url


@login_required
@require_GET
def analyzer(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    raw_text = request.GET.get("q", "")
    saved_view = None
    errors: list[str] = []
    error_status = 400
    spec = dict(EMPTY_FILTER)
    try:
        if not raw_text and request.GET.get("view"):
            saved_view = selectors_analyzer.get_visible_saved_view(request.user, request.GET["view"])
            spec = selectors_analyzer.load_filter(saved_view.filter)
        else:
            spec = selectors_analyzer.parse_filter(raw_text)
    except FilterError as error:
        logger.info("analyzer filter rejected for user %s at %s", request.user.pk, error.field)
        errors = error.errors
        spec = dict(EMPTY_FILTER)
    except NotFound as error:
        logger.info("saved view %s not found for user %s", request.GET.get("view"), request.user.pk)
        errors = [error.message]
        # Like any record the user may not see, a saved view of someone else is a 404.
        error_status = 404

    filter_text = filter_to_text(spec) if spec["conditions"] else ""
    summary = page = None
    if not errors:
        opportunities = selectors_analyzer.filtered_opportunities(request.user, spec, now=now)
        summary = selectors_analyzer.summarise(opportunities)
        page = selectors_analyzer.page_of_rows(opportunities, request.GET.get("page"), now=now)

    choices = selectors_analyzer.builder_choices(request.user)
    context = {
        "spec": spec,
        "filter_text": filter_text,
        # After an error the page shows what was sent, so the user can correct it.
        "editor_text": raw_text if errors else filter_text,
        "errors": errors,
        "summary": summary,
        "page": page,
        "saved_view": saved_view,
        "saved_views": list(selectors_analyzer.visible_saved_views(request.user)),
        "builder_options": presenters_analyzer.builder_options(choices),
        "filter_query": urlencode({"q": filter_text}) if filter_text else "",
        "link": request.build_absolute_uri(analyzer_url(filter_text)),
    }
    return render(request, "analytics/analyzer.html", context, status=error_status if errors else 200)


@login_required
@require_GET
def analyzer_opportunity(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = selectors_analyzer.opportunity_evidence(request.user, pk)
    interactions = [
        {"entry": entry, "html": presenters_analyzer.interaction_html(entry, evidence.tag_names),
         "tags": [presenters_analyzer.tag_label(signal.tag, evidence.tag_names) for signal in entry.signals]}
        for entry in evidence.interactions
    ]
    return render(
        request,
        "analytics/analyzer_opportunity.html",
        {
            "evidence": evidence,
            "opportunity": evidence.opportunity,
            "interactions": interactions,
            "back_url": analyzer_url(request.GET.get("q", "")),
        },
    )


@login_required
@require_GET
def analyzer_export(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    try:
        spec = selectors_analyzer.parse_filter(request.GET.get("q", ""))
    except FilterError as error:
        logger.info("analyzer export rejected for user %s at %s", request.user.pk, error.field)
        return HttpResponse("\n".join(error.errors), status=400, content_type="text/plain; charset=utf-8")

    rows = selectors_analyzer.iter_rows(request.user, spec, now=now)
    output = write_result_workbook(
        rows, filter_text=filter_to_text(spec), exported_at=to_local(now).strftime("%Y-%m-%d %H:%M")
    )
    logger.info("analyzer export by user %s", request.user.pk)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"funnel-analyzer-{local_date(now):%Y%m%d}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
@require_POST
def analyzer_save(request: HttpRequest) -> HttpResponse:
    filter_text = request.POST.get("q", "")
    try:
        view = services_views.save_view(
            actor=request.user,
            name=request.POST.get("name", ""),
            filter_json=filter_text,
            shared=request.POST.get("shared") == "on",
        )
    except FilterError as error:
        logger.info("analyzer view not saved for user %s: invalid filter at %s", request.user.pk, error.field)
        for message in error.errors:
            messages.error(request, message)
        return redirect(analyzer_url(filter_text))
    except DomainError as error:
        logger.info("analyzer view not saved for user %s: %s", request.user.pk, error.code)
        messages.error(request, error.message)
        return redirect(analyzer_url(filter_text))

    messages.success(request, _("The view %(name)s is saved.") % {"name": view.name})
    return redirect(analyzer_url(view=view.pk))


@login_required
@require_POST
def analyzer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services_views.delete_view(actor=request.user, view_id=pk)
    except DomainError as error:
        logger.info("analyzer view %s not deleted for user %s: %s", pk, request.user.pk, error.code)
        messages.error(request, error.message)
        return redirect(analyzer_url())

    messages.success(request, _("The view is deleted."))
    return redirect(analyzer_url())
