"""The signal list, corrections and ticking a stage-gate item from a signal.

Corrections post from the list and from the customer and opportunity pages; each
returns to the page it came from (``next``), or, for htmx, re-renders the one signal.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salespulse.core.errors import DomainError
from salespulse.crm.selectors import visible_interactions
from salespulse.signals import selectors, services_review
from salespulse.signals.forms_capture import MissedTagForm, SignalFilterForm

logger = logging.getLogger(__name__)

SIGNALS_PER_PAGE = 30


def _back(request: HttpRequest, fallback: str = "signals:inbox") -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Latest signals the user may see, filtered by tag and review status."""
    form = SignalFilterForm(request.GET or None)
    signals = selectors.search_signals(request.user, form.to_filter())
    page = Paginator(signals, SIGNALS_PER_PAGE).get_page(request.GET.get("page"))
    names = selectors.tag_names()
    rows = list(page.object_list)
    correctable = selectors.correctable_ids(request.user, [signal.interaction for signal in rows])
    for signal in rows:
        signal.correctable = signal.interaction_id in correctable
        signal.tag_label = names.get(signal.tag, signal.tag)
    template = "signals/inbox.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    context = {"form": form, "page": page, "rows": rows}
    return render(request, template, context)


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    signal = get_object_or_404(selectors.visible_signals(request.user).select_related("interaction"), pk=pk)
    try:
        services_review.review_signal(actor=request.user, signal=signal, verdict=request.POST.get("verdict", ""))
    except DomainError as error:
        logger.info("correction of signal %s by user %s rejected: %s", pk, request.user.pk, error.code)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Correction saved."))
    return _back(request)


@login_required
@require_POST
def add_tag(request: HttpRequest, interaction_pk: int) -> HttpResponse:
    interaction = get_object_or_404(visible_interactions(request.user), pk=interaction_pk)
    form = MissedTagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the tag the tagger missed."))
        return _back(request)
    try:
        services_review.add_missed_tag(
            actor=request.user,
            interaction=interaction,
            tag=form.cleaned_data["tag"].code,
            evidence=form.cleaned_data["evidence"],
        )
    except DomainError as error:
        logger.info("missed tag on interaction %s by user %s rejected: %s", interaction.pk, request.user.pk, error.code)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Tag added."))
    return _back(request)


@login_required
@require_POST
def tick_gate_item(request: HttpRequest, pk: int) -> HttpResponse:
    signal = get_object_or_404(selectors.visible_signals(request.user).select_related("opportunity"), pk=pk)
    try:
        services_review.tick_gate_item(
            actor=request.user,
            signal=signal,
            stage_code=request.POST.get("stage", ""),
            item_code=request.POST.get("item", ""),
        )
    except DomainError as error:
        logger.info("checklist tick from signal %s by user %s rejected: %s", pk, request.user.pk, error.code)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Checklist item confirmed; the message is kept as evidence."))
    return _back(request)
