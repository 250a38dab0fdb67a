"""Playbook page, talk-track forms, promotion of resolved objections, and "used this".

Thin: parse, call ``knowledge.selectors`` / ``knowledge.services``, render. Writing or
editing tracks is for ops and admin; others get a 403 page naming who may.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salespulse.core.errors import DomainError
from salespulse.crm.selectors import get_visible_opportunity
from salespulse.knowledge import selectors, services
from salespulse.knowledge.forms import PlaybookSearchForm, PromoteForm, TalkTrackForm
from salespulse.knowledge.models import TalkTrack, TalkTrackUse
from salespulse.pipeline.models import ObjectionCategory

logger = logging.getLogger(__name__)

TRACKS_PER_PAGE = 30


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "knowledge/forbidden.html", {"message": message}, status=403)


def editors_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not services.may_edit_playbook(request.user):
            logger.info("user %s denied playbook editor page %s", request.user.pk, request.path)
            return _forbidden(request, _("Only sales operations and administrators may write or edit talk tracks."))
        return view(request, *args, **kwargs)

    return wrapper


@login_required
@require_GET
def playbook(request: HttpRequest) -> HttpResponse:
    """Render the playbook by category with Chinese search, or only the results block for htmx."""
    form = PlaybookSearchForm(request.GET or None)
    query, category = "", ""
    invalid = form.is_bound and not form.is_valid()
    if form.is_bound and not invalid:
        query, category = form.cleaned_data["q"], form.cleaned_data["category"]
    # An invalid search lists nothing rather than the whole playbook, and the results block
    # names the error, because an htmx search replaces only that block.
    entries = [] if invalid else selectors.search_playbook(request.user, query=query, category=category)
    page = Paginator(entries, TRACKS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "query": query,
        "category": category,
        "page": page,
        "category_counts": _category_counts(request),
        "may_edit": services.may_edit_playbook(request.user),
    }
    template = "knowledge/playbook.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


def _category_counts(request: HttpRequest) -> list[tuple[str, str, int]]:
    counts = selectors.category_counts(request.user)
    return [(value, label, counts[value]) for value, label in ObjectionCategory.choices if counts.get(value)]


@editors_only
@require_http_methods(["GET", "POST"])
def track_create(request: HttpRequest) -> HttpResponse:
    form = TalkTrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            track = services.create_talk_track(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Talk track %(title)s saved.") % {"title": track.title})
            return redirect(reverse("knowledge:playbook") + f"#track-{track.pk}")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "knowledge/track_form.html", {"form": form, "track": None}, status=status)


@editors_only
@require_http_methods(["GET", "POST"])
def track_edit(request: HttpRequest, pk: int) -> HttpResponse:
    track = get_object_or_404(TalkTrack, pk=pk)
    initial = {
        "category": track.category,
        "title": track.title,
        "objection_text": track.objection_text,
        "response": track.response,
        "product_line": track.product_line_id,
        "status": track.status,
    }
    form = TalkTrackForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_talk_track(actor=request.user, talk_track=track, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Talk track %(title)s saved.") % {"title": track.title})
            return redirect(reverse("knowledge:playbook") + f"#track-{track.pk}")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "knowledge/track_form.html", {"form": form, "track": track}, status=status)


@login_required
@require_GET
def promote_list(request: HttpRequest) -> HttpResponse:
    """Resolved objections the user may promote: all for ops and admin, the team's for a manager."""
    objections = list(selectors.promotable_objections(request.user))
    for objection in objections:
        objection.time_to_resolve = objection.resolved_at - objection.raised_at
    return render(request, "knowledge/promote_list.html", {"objections": objections, "form": PromoteForm()})


@login_required
@require_POST
def promote(request: HttpRequest, objection_id: int) -> HttpResponse:
    objection = selectors.get_objection(objection_id)
    if objection is None:
        raise Http404
    if not services.may_promote(request.user, objection):
        logger.info("user %s denied promoting objection %s", request.user.pk, objection_id)
        return _forbidden(
            request,
            _("Only sales operations, administrators and the manager of the rep's team may promote this objection."),
        )
    # The service checks the title's length and names it, rather than the form dropping it.
    title = request.POST.get("title", "")
    try:
        track = services.promote_objection(actor=request.user, objection=objection, title=title)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("knowledge:promote_list")
    messages.success(request, _("The objection is now the talk track %(title)s.") % {"title": track.title})
    return redirect(reverse("knowledge:playbook") + f"#track-{track.pk}")


def _back_to_opportunity(opportunity_id: int) -> HttpResponse:
    return redirect(reverse("crm:opportunity_detail", args=[opportunity_id]) + "#recommendations")


@login_required
@require_POST
def use_track(request: HttpRequest, pk: int) -> HttpResponse:
    """Record "used this" for a track on an opportunity (and one of its objections)."""
    opportunity = get_visible_opportunity(request.user, _int(request.POST.get("opportunity")))
    # A draft is not found for those who may not see it, so its title does not leak.
    track = get_object_or_404(selectors.visible_talk_tracks(request.user), pk=pk)
    objection = None
    objection_id = request.POST.get("objection")
    if objection_id:
        objection = get_object_or_404(opportunity.objections, pk=_int(objection_id))
    try:
        services.record_use(actor=request.user, talk_track=track, opportunity=opportunity, objection=objection)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Marked as used: %(title)s.") % {"title": track.title})
    return _back_to_opportunity(opportunity.pk)


@login_required
@require_POST
def use_resolved(request: HttpRequest, pk: int) -> HttpResponse:
    use = get_object_or_404(TalkTrackUse.objects.select_related("talk_track"), pk=pk)
    opportunity = get_visible_opportunity(request.user, use.opportunity_id)
    try:
        services.mark_use_resolved(actor=request.user, use=use)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("Recorded: the objection was resolved with %(title)s.") % {"title": use.talk_track.title}
        )
    return _back_to_opportunity(opportunity.pk)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise Http404 from error
