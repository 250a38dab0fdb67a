"""Campaign board, campaign and case pages, the phone upload form, and the video stream.

Thin: parse, call ``campaigns.selectors`` / ``campaigns.services``, render. A campaign
or case the user may not see gives 404, so its existence does not leak.
"""

from __future__ import annotations

import logging
import re
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from salespulse.campaigns import selectors, services, video
from salespulse.campaigns.forms import CampaignForm, CaseForm
from salespulse.campaigns.models import Campaign, CaseStatus, CaseSubmission, RepRank
from salespulse.core.errors import DomainError, NotFound
from salespulse.core.timeutil import local_date

logger = logging.getLogger(__name__)

STREAM_CHUNK_BYTES = 256 * 1024
RANGE_PATTERN = re.compile(r"bytes=(\d*)-(\d*)")


def _visible_campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    try:
        return selectors.get_visible_campaign(request.user, campaign_id)
    except NotFound as error:
        raise Http404(error.message) from error


def _visible_case(request: HttpRequest, case_id: int) -> CaseSubmission:
    try:
        return selectors.get_visible_case(request.user, case_id)
    except NotFound as error:
        raise Http404(error.message) from error


def _int(value) -> int:
    """Return ``value`` as an integer, or 0 (no such row) when it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "campaigns/forbidden.html", {"message": message}, status=403)


# --- board and campaign pages -----------------------------------------------------------


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """List active campaigns with achievement, the TOP 10 tabs and case search."""
    user = request.user
    today = local_date(timezone.now())
    dimension = request.GET.get("top", selectors.TopDimension.ALL)
    if dimension not in selectors.TopDimension.CHOICES:
        dimension = selectors.TopDimension.ALL
    query = request.GET.get("q", "").strip()

    context = {
        "campaigns": selectors.board_rows(user, today),
        "dimension": dimension,
        "dimensions": _dimension_tabs(),
        "top_groups": selectors.top_cases(user, dimension),
        "query": query,
        "results": selectors.search_cases(user, query) if query else [],
        "can_manage": selectors.can_manage_campaigns(user),
    }
    template = "campaigns/board.html"
    if request.htmx and request.htmx.target == "case-results":
        template += "#results"
    return render(request, template, context)


def _dimension_tabs() -> list[tuple[str, str]]:
    return [
        (selectors.TopDimension.ALL, _("All")),
        (selectors.TopDimension.REGION, _("By region")),
        (selectors.TopDimension.PRODUCT_LINE, _("By product line")),
        (selectors.TopDimension.RANK, _("By rep rank")),
    ]


@login_required
@require_GET
def scoring(request: HttpRequest) -> HttpResponse:
    from salespulse.campaigns import metrics

    return render(request, "campaigns/scoring.html", {"metrics": metrics})


@login_required
@require_GET
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = request.user
    campaign = _visible_campaign(request, campaign_id)
    today = local_date(timezone.now())
    widely, total, share = selectors.reuse_share(campaign)
    cases = selectors.visible_cases(user).filter(campaign=campaign)
    context = {
        "campaign": campaign,
        "breakdown": selectors.achievement_breakdown(user, campaign, today),
        "mine": selectors.rep_achievement(campaign, user, today) if selectors.can_submit(user, campaign) else None,
        "can_submit": selectors.can_submit(user, campaign) and selectors.is_open_on(campaign, today),
        "can_manage": selectors.can_manage_campaigns(user),
        "top": selectors.top_cases(user, campaign=campaign)[0].rows,
        "reuse_share": share,
        "widely": widely,
        "case_total": total,
        "drafts": cases.filter(rep=user, status=CaseStatus.DRAFT),
        "recent": cases.filter(status=CaseStatus.SUBMITTED)[:20],
        "required": selectors.required_per_rep(campaign, today),
    }
    return render(request, "campaigns/campaign_detail.html", context)


def _campaign_form_view(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    if not selectors.can_manage_campaigns(request.user):
        return _forbidden(request, _("Only sales operations and administrators may create or edit campaigns."))
    if request.method == "POST":
        form = CampaignForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = services.save_campaign(
                    actor=request.user,
                    campaign=campaign,
                    product=data["product"],
                    name=data["name"],
                    description=data["description"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    weekly_quota=data["weekly_quota"],
                    regions=data["regions"],
                    teams=data["teams"],
                    ranks=data["ranks"],
                    scene_names=services.parse_scene_names(data["scenes"]),
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                messages.success(request, _("Campaign %(name)s saved.") % {"name": campaign.name})
                return redirect("campaigns:campaign_detail", campaign_id=campaign.pk)
    else:
        form = CampaignForm(initial=CampaignForm.initial_for(campaign) if campaign else None)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    return _campaign_form_view(request, None)


@login_required
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _campaign_form_view(request, _visible_campaign(request, campaign_id))


@login_required
@require_POST
def campaign_publish(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _visible_campaign(request, campaign_id)
    action = services.close_campaign if request.POST.get("action") == "close" else services.publish_campaign
    try:
        action(actor=request.user, campaign=campaign)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("campaigns:campaign_detail", campaign_id=campaign.pk)


@login_required
def rep_ranks(request: HttpRequest) -> HttpResponse:
    """List the reps with their campaign ranks; a POST sets one rep's rank."""
    if not selectors.can_manage_campaigns(request.user):
        return _forbidden(request, _("Only sales operations and administrators may set rep ranks."))
    if request.method == "POST":
        try:
            services.set_rep_rank(
                actor=request.user, rep_id=_int(request.POST.get("rep")), rank=request.POST.get("rank", "")
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Rank saved."))
        return redirect("campaigns:rep_ranks")
    return render(request, "campaigns/rep_ranks.html", {"rows": selectors.rep_ranks(), "ranks": RepRank.choices})


# --- cases ------------------------------------------------------------------------------


@login_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _visible_case(request, case_id)
    if services.record_view(viewer=request.user, case=case):
        case.view_count += 1
    today = local_date(timezone.now())
    context = {
        "case": case,
        "can_reuse": (
            case.is_submitted
            and case.rep_id != request.user.pk
            and selectors.can_submit(request.user, case.campaign)
            and selectors.is_open_on(case.campaign, today)
        ),
        "can_endorse": services.can_endorse(request.user, case),
        "endorsed": case.endorsements.filter(manager=request.user).exists(),
        "can_edit": case.rep_id == request.user.pk and not case.is_submitted,
    }
    return render(request, "campaigns/case_detail.html", context)


@csrf_exempt
@login_required
def case_new(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _case_upload(request, _visible_campaign(request, campaign_id), None)


@csrf_exempt
@login_required
def case_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _visible_case(request, case_id)
    if case.rep_id != request.user.pk or case.is_submitted:
        raise Http404(_("Case %(id)s was not found or is not visible to you.") % {"id": case_id})
    return _case_upload(request, case.campaign, case)


def _case_upload(request: HttpRequest, campaign: Campaign, case: CaseSubmission | None) -> HttpResponse:
    """Check the declared body size, install the size-limiting upload handler, then parse.

    CSRF is checked only after the handlers are installed (``csrf_protect`` below),
    because the CSRF check reads ``request.POST`` and would parse the whole body first.
    """
    if not selectors.can_submit(request.user, campaign):
        return _forbidden(request, _("Only sales reps in this campaign's scope may file cases for it."))
    if request.method == "POST":
        if video.declared_body_too_large(request.META.get("CONTENT_LENGTH")):
            logger.info(
                "case upload by user %s rejected: declared %s bytes",
                request.user.pk,
                request.META.get("CONTENT_LENGTH"),
            )
            # The body stays unread, so the form starts empty apart from the error.
            form = CaseForm(campaign, data={}, files={})
            form.is_valid()
            form.add_error("video", str(video.video_too_large_error().message))
            return _render_case_form(request, campaign, case, form, status=413)
        limiter = video.VideoSizeLimitUploadHandler(request)
        request.upload_handlers = [limiter, TemporaryFileUploadHandler(request)]
        return _case_upload_post(request, campaign, case, limiter)
    form = CaseForm(campaign, initial=_case_initial(case))
    return _render_case_form(request, campaign, case, form)


@csrf_protect
def _case_upload_post(
    request: HttpRequest, campaign: Campaign, case: CaseSubmission | None, limiter: video.VideoSizeLimitUploadHandler
) -> HttpResponse:
    form = CaseForm(campaign, request.POST, request.FILES)
    if limiter.exceeded:
        form.is_valid()
        form.add_error("video", str(video.video_too_large_error(limiter.filename).message))
        return _render_case_form(request, campaign, case, form, status=413)
    if not form.is_valid():
        return _render_case_form(request, campaign, case, form, status=400)

    data = form.cleaned_data
    try:
        saved = services.save_case(
            actor=request.user,
            campaign=campaign,
            case=case,
            video_file=data["video"] or None,
            script=data["script"],
            scene=data["scene"],
            product_lines=data["product_lines"],
            channel=data["channel"],
            submit=request.POST.get("action") == "submit",
            upload_token=data.get("upload_token") if case is None else None,
        )
    except DomainError as error:
        logger.info("case upload by user %s rejected: %s", request.user.pk, error.code)
        form.add_error(error.field if error.field in form.fields else None, str(error.message))
        return _render_case_form(request, campaign, case, form, status=error.status)

    if saved.is_submitted:
        messages.success(request, _("Case submitted."))
        return redirect("campaigns:case_detail", case_id=saved.pk)
    messages.success(request, _("Draft saved."))
    return redirect("campaigns:case_edit", case_id=saved.pk)


def _case_initial(case: CaseSubmission | None) -> dict:
    if case is None:
        return {"upload_token": uuid.uuid4()}
    return {
        "script": case.script,
        "scene": case.scene_id,
        "product_lines": list(case.product_lines.all()),
        "channel": case.channel_id,
    }


def _render_case_form(
    request: HttpRequest, campaign: Campaign, case: CaseSubmission | None, form: CaseForm, status: int = 200
) -> HttpResponse:
    context = {"campaign": campaign, "case": case, "form": form, "max_bytes": video.max_video_bytes()}
    return render(request, "campaigns/case_form.html", context, status=status)


@login_required
@require_POST
def case_reuse(request: HttpRequest, case_id: int) -> HttpResponse:
    source = _visible_case(request, case_id)
    try:
        draft = services.reuse_case(actor=request.user, source=source)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("campaigns:case_detail", case_id=source.pk)
    messages.success(request, _("A draft with this script was created. Adapt it, add your own video and submit."))
    return redirect("campaigns:case_edit", case_id=draft.pk)


@login_required
@require_POST
def case_endorse(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _visible_case(request, case_id)
    try:
        services.endorse_case(actor=request.user, case=case)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Case endorsed."))
    return redirect("campaigns:case_detail", case_id=case.pk)


# --- media ------------------------------------------------------------------------------


@login_required
@require_GET
def case_video(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _visible_case(request, case_id)
    if not case.video:
        raise Http404(_("This case has no video yet."))
    return stream_file(request, case.video, case.video_content_type or "application/octet-stream")


@login_required
@require_GET
def case_poster(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _visible_case(request, case_id)
    if not case.poster:
        raise Http404(_("This case has no poster image."))
    return stream_file(request, case.poster, "image/jpeg")


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """Return the inclusive byte range of a single-range ``Range`` header, or None to send the whole file.

    Raises ValueError for a range that starts beyond the end of the file.
    """
    match = RANGE_PATTERN.fullmatch(header.strip())
    if not match or not (match.group(1) or match.group(2)):
        return None
    first, last = match.groups()
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    else:
        start = max(size - int(last), 0)
        end = size - 1
    if start >= size or start > end:
        raise ValueError(header)
    return start, end


def _read_range(handle, start: int, length: int):
    try:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(STREAM_CHUNK_BYTES, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


def stream_file(request: HttpRequest, field_file: FieldFile, content_type: str) -> HttpResponse:
    """Stream a stored file through the storage API, honouring a single HTTP byte range."""
    storage, name = field_file.storage, field_file.name
    size = storage.size(name)
    try:
        byte_range = parse_range(request.headers.get("Range", ""), size)
    except ValueError:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response

    if byte_range is None:
        response = FileResponse(storage.open(name, "rb"), content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        start, end = byte_range
        response = StreamingHttpResponse(
            _read_range(storage.open(name, "rb"), start, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    return response
