"""Campaign writes: save and publish campaigns, save and submit cases, reuse, views, endorsements."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Sequence

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from salespulse.accounts.models import Region, Role, Team, User
from salespulse.campaigns import selectors, video
from salespulse.campaigns.models import (
    Campaign,
    CampaignStatus,
    CaseStatus,
    CaseSubmission,
    CaseView,
    Endorsement,
    RepRank,
    RepRankAssignment,
    Scene,
)
from salespulse.core.errors import Conflict, DomainError, PermissionDenied
from salespulse.core.timeutil import local_date
from salespulse.crm.models import Channel, Product, ProductLine

logger = logging.getLogger(__name__)

MAX_SCENE_NAME = 60


def _require_manager(actor: User) -> None:
    if not selectors.can_manage_campaigns(actor):
        raise PermissionDenied(
            "campaign_manage_denied", _("Only sales operations and administrators may create or publish campaigns.")
        )


def set_rep_rank(*, actor: User, rep_id: int, rank: str) -> RepRankAssignment:
    """Record the campaign rank of one active rep; ranks scope campaigns and the TOP 10."""
    _require_manager(actor)
    if rank not in RepRank.values:
        raise DomainError(
            "invalid_rank",
            _("Rank %(value)s is not one of: %(choices)s.") % {"value": rank, "choices": ", ".join(RepRank.values)},
            field="rank",
        )
    rep = User.objects.filter(pk=rep_id, role=Role.REP, is_active=True).first()
    if rep is None:
        raise DomainError(
            "rep_not_found",
            _("User %(id)s is not an active sales rep; reload the page and choose a rep.") % {"id": rep_id},
            field="rep",
        )
    assignment, _created = RepRankAssignment.objects.update_or_create(user=rep, defaults={"rank": rank})
    logger.info("rank of rep %s set to %s by user %s", rep.pk, rank, actor.pk)
    return assignment


def parse_scene_names(text: str) -> list[str]:
    """Split scenes typed one per line or separated by commas (、，,) into unique names."""
    names: list[str] = []
    for part in text.replace("，", "\n").replace(",", "\n").replace("、", "\n").splitlines():
        name = part.strip()
        if not name:
            continue
        if len(name) > MAX_SCENE_NAME:
            raise DomainError(
                "scene_name_too_long",
                _("The scene “%(name)s” is longer than %(max)s characters. Shorten it.")
                % {"name": name, "max": MAX_SCENE_NAME},
                field="scenes",
            )
        if name not in names:
            names.append(name)
    return names


@transaction.atomic
def save_campaign(
    *,
    actor: User,
    campaign: Campaign | None = None,
    product: Product,
    name: str,
    description: str = "",
    starts_on: dt.date,
    ends_on: dt.date,
    weekly_quota: int,
    regions: Iterable[Region] = (),
    teams: Iterable[Team] = (),
    ranks: Sequence[str] = (),
    scene_names: Sequence[str] = (),
) -> Campaign:
    """Create a draft campaign or update one; the scope lists may be empty (meaning all)."""
    _require_manager(actor)
    if ends_on < starts_on:
        raise DomainError(
            "campaign_dates_invalid",
            _("The end date %(end)s is before the start date %(start)s. Pick an end date on or after the start.")
            % {"end": ends_on, "start": starts_on},
            field="ends_on",
        )
    if weekly_quota < 1:
        raise DomainError(
            "campaign_quota_invalid", _("The weekly quota must be at least 1 case per rep."), field="weekly_quota"
        )
    unknown = [rank for rank in ranks if rank not in RepRank.values]
    if unknown:
        raise DomainError(
            "campaign_rank_invalid", _("Unknown rank %(rank)s.") % {"rank": ", ".join(unknown)}, field="ranks"
        )

    campaign = campaign or Campaign(created_by=actor)
    campaign.product = product
    campaign.name = name
    campaign.description = description
    campaign.starts_on = starts_on
    campaign.ends_on = ends_on
    campaign.weekly_quota = weekly_quota
    campaign.ranks = list(ranks)
    campaign.save()
    campaign.regions.set(regions)
    campaign.teams.set(teams)
    campaign.scenes.set([Scene.objects.get_or_create(name=scene)[0] for scene in scene_names])

    logger.info("campaign %s saved by user %s", campaign.pk, actor.pk)
    return campaign


@transaction.atomic
def publish_campaign(*, actor: User, campaign: Campaign) -> Campaign:
    _require_manager(actor)
    if campaign.status != CampaignStatus.DRAFT:
        raise Conflict("campaign_not_draft", _("Only a draft campaign can be published."))
    campaign.status = CampaignStatus.PUBLISHED
    campaign.published_by = actor
    campaign.published_at = timezone.now()
    campaign.save(update_fields=["status", "published_by", "published_at"])
    logger.info("campaign %s published by user %s", campaign.pk, actor.pk)
    return campaign


@transaction.atomic
def close_campaign(*, actor: User, campaign: Campaign) -> Campaign:
    _require_manager(actor)
    campaign.status = CampaignStatus.CLOSED
    campaign.save(update_fields=["status"])
    logger.info("campaign %s closed by user %s", campaign.pk, actor.pk)
    return campaign


# --- cases ------------------------------------------------------------------------------


def _require_submitter(actor: User, campaign: Campaign) -> None:
    if not selectors.can_submit(actor, campaign):
        raise PermissionDenied(
            "case_submit_denied", _("Only sales reps in this campaign's scope may file cases for it.")
        )


def _require_open(campaign: Campaign, now: dt.datetime) -> None:
    today = local_date(now)
    if not selectors.is_open_on(campaign, today):
        raise Conflict(
            "campaign_not_open",
            _(
                "Campaign %(name)s takes cases from %(start)s to %(end)s while it is published; "
                "it does not take cases today."
            )
            % {"name": campaign.name, "start": campaign.starts_on, "end": campaign.ends_on},
        )


def _attach_video(case: CaseSubmission, upload: UploadedFile) -> None:
    """Check ``upload`` by size and content, probe it, and store it with its poster."""
    video.check_video_size(upload)
    content_type = video.detect_video_type(upload)
    probe = video.probe_upload(upload)

    original_name = upload.name or ""
    upload.name = f"video.{video.ALLOWED_VIDEO_TYPES[content_type]}"
    case.video.save(upload.name, upload, save=False)
    case.video_name = original_name[:255]
    case.video_content_type = content_type
    case.video_size = upload.size
    case.duration_seconds = probe.duration_seconds
    if probe.poster_jpeg:
        case.poster.save("poster.jpg", ContentFile(probe.poster_jpeg), save=False)


def save_case(
    *,
    actor: User,
    campaign: Campaign,
    case: CaseSubmission | None = None,
    video_file: UploadedFile | None = None,
    script: str = "",
    scene: Scene | None = None,
    product_lines: Iterable[ProductLine] = (),
    channel: Channel | None = None,
    submit: bool = False,
    upload_token: uuid.UUID | None = None,
) -> CaseSubmission:
    """Create or update the actor's draft case and, when ``submit``, submit it.

    Submitting needs a video and a script. The stored video file is removed again when
    the database write fails, so no orphan file stays behind. A new case posted again
    with the same ``upload_token`` returns the case the first post created.
    """
    now = timezone.now()
    _require_submitter(actor, campaign)
    _require_open(campaign, now)
    if case is not None and (case.rep_id != actor.pk or case.campaign_id != campaign.pk):
        raise PermissionDenied("case_edit_denied", _("You may only edit your own cases."))
    if case is not None and case.is_submitted:
        raise Conflict(
            "case_already_submitted",
            _("Case %(id)s is already submitted and can no longer be edited.") % {"id": case.pk},
        )

    if case is None and upload_token is not None:
        earlier = CaseSubmission.objects.filter(rep=actor, upload_token=upload_token).first()
        if earlier is not None:
            logger.info("case %s posted again by user %s; the repeated post was ignored", earlier.pk, actor.pk)
            return earlier
    case = case or CaseSubmission(campaign=campaign, rep=actor, upload_token=upload_token)
    script = script.strip()
    if submit and video_file is None and not case.video:
        raise DomainError("case_video_missing", _("Upload the case video before submitting the case."), field="video")
    if submit and not script:
        raise DomainError(
            "case_script_missing", _("Write the script you used before submitting the case."), field="script"
        )

    old_video = case.video.name if case.video else ""
    if video_file is not None:
        _attach_video(case, video_file)
    case.script = script
    case.scene = scene
    case.channel = channel
    if submit:
        case.status = CaseStatus.SUBMITTED
        case.submitted_at = now
        case.region_id = actor.region_id
        case.team_id = actor.team_id
        case.rep_rank = selectors.rank_of(actor)

    try:
        with transaction.atomic():
            if case.pk is not None:
                _lock_draft(case)
            case.save()
            case.product_lines.set(product_lines)
    except Exception as error:
        if video_file is not None and case.video:
            case.video.storage.delete(case.video.name)
            if case.poster:
                case.poster.storage.delete(case.poster.name)
        if isinstance(error, IntegrityError) and upload_token is not None:
            # A parallel post of the same form created the case first.
            earlier = CaseSubmission.objects.filter(rep=actor, upload_token=upload_token).first()
            if earlier is not None:
                logger.info("case %s posted twice in parallel by user %s", earlier.pk, actor.pk)
                return earlier
        raise
    if video_file is not None and old_video and old_video != case.video.name:
        case.video.storage.delete(old_video)

    logger.info("case %s of campaign %s saved by user %s (status %s)", case.pk, campaign.pk, actor.pk, case.status)
    return case


def _lock_draft(case: CaseSubmission) -> None:
    """Lock the case row and raise ``Conflict`` when it was submitted since it was read.

    Two submits of the same draft (a double tap, two tabs) would otherwise both pass the
    check on the stale object; the second one now fails instead of overwriting the first.
    """
    stored = CaseSubmission.objects.select_for_update().filter(pk=case.pk).values_list("status", flat=True).first()
    if stored == CaseStatus.SUBMITTED:
        raise Conflict(
            "case_already_submitted",
            _("Case %(id)s is already submitted and can no longer be edited.") % {"id": case.pk},
        )


@transaction.atomic
def reuse_case(*, actor: User, source: CaseSubmission) -> CaseSubmission:
    """Create the actor's draft from ``source`` with its script, scene, tags and channel.

    Returns the actor's existing draft reuse of the same case instead of a second one.
    """
    if not source.is_submitted:
        raise Conflict("case_not_submitted", _("Only submitted cases can be reused."))
    if source.rep_id == actor.pk:
        raise DomainError("case_reuse_own", _("This is your own case. Edit or file a new case instead of reusing it."))
    campaign = source.campaign
    _require_submitter(actor, campaign)
    _require_open(campaign, timezone.now())

    existing = CaseSubmission.objects.filter(rep=actor, source_case=source, status=CaseStatus.DRAFT).first()
    if existing is not None:
        return existing
    draft = CaseSubmission.objects.create(
        campaign=campaign,
        rep=actor,
        script=source.script,
        scene=source.scene,
        channel=source.channel,
        source_case=source,
    )
    draft.product_lines.set(source.product_lines.all())
    logger.info("case %s reused as draft %s by user %s", source.pk, draft.pk, actor.pk)
    return draft


def record_view(*, viewer: User, case: CaseSubmission) -> bool:
    """Count the first view of a submitted case by someone other than its author; return whether it counted."""
    if not case.is_submitted or case.rep_id == viewer.pk:
        return False
    try:
        with transaction.atomic():
            _, created = CaseView.objects.get_or_create(case=case, viewer=viewer)
            if created:
                CaseSubmission.objects.filter(pk=case.pk).update(view_count=F("view_count") + 1)
    except IntegrityError:
        # A parallel request recorded the same first view.
        return False
    return created


def can_endorse(user: User, case: CaseSubmission) -> bool:
    """Return whether ``user`` manages the team of the rep who filed ``case``."""
    return (
        user.role == Role.MANAGER
        and user.team_id is not None
        and case.is_submitted
        and case.rep.team_id == user.team_id
        and case.rep_id != user.pk
    )


@transaction.atomic
def endorse_case(*, actor: User, case: CaseSubmission) -> Endorsement:
    if not can_endorse(actor, case):
        raise PermissionDenied("case_endorse_denied", _("Only the manager of this rep's team may endorse the case."))
    endorsement, created = Endorsement.objects.get_or_create(case=case, manager=actor)
    if created:
        logger.info("case %s endorsed by user %s", case.pk, actor.pk)
    return endorsement
