"""Campaign reads, each scoped to what the requesting user may see.

* Sales operations and administrators see every campaign, drafts included. Finance
  sees every published and closed campaign.
* Everyone else sees published and closed campaigns whose scope includes them. Their
  region must be in the campaign's regions and their team in its teams, where an empty
  list means all. A director is in scope when the campaign names their region or a
  team inside it. Reps must also hold one of the campaign's ranks (empty means all).
* Submitted cases are visible to whoever sees their campaign; a draft only to its author.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from salespulse.accounts.models import Role, User
from salespulse.accounts.scopes import visible_users
from salespulse.campaigns import metrics
from salespulse.campaigns.models import (
    Campaign,
    CampaignStatus,
    CaseStatus,
    CaseSubmission,
    RepRank,
    RepRankAssignment,
)
from salespulse.core.errors import NotFound
from salespulse.core.textsearch import cached_index
from salespulse.core.timeutil import local_date

MANAGING_ROLES = frozenset({Role.OPS, Role.ADMIN})
TOP_LIMIT = 10


def can_manage_campaigns(user: User) -> bool:
    """Return whether ``user`` may create, edit, publish and close campaigns."""
    return user.is_superuser or user.role in MANAGING_ROLES


@dataclass(frozen=True)
class RepRankRow:
    rep: User
    rank: str


def rep_ranks() -> list[RepRankRow]:
    """Return every active rep with their rank (junior when none is recorded), by team and name."""
    reps = (
        User.objects.filter(role=Role.REP, is_active=True)
        .select_related("team", "campaign_rank")
        .order_by("team__code", "display_name", "username")
    )
    return [
        RepRankRow(rep, rep.campaign_rank.rank if hasattr(rep, "campaign_rank") else RepRank.JUNIOR) for rep in reps
    ]


def rank_of(user: User) -> str:
    """Return the rep's rank code; a rep without a recorded rank is junior."""
    assignment = RepRankAssignment.objects.filter(user_id=user.pk).only("rank").first()
    return assignment.rank if assignment else RepRank.JUNIOR


def _scope_filter(user: User) -> Q:
    if user.role == Role.DIRECTOR:
        region = Q(regions__isnull=True) | Q(regions=user.region_id)
        teams = Q(teams__isnull=True) | Q(teams__region_id=user.region_id)
    else:
        region = Q(regions__isnull=True) | Q(regions=user.region_id)
        teams = Q(teams__isnull=True) | Q(teams=user.team_id)
    return Q(status__in=[CampaignStatus.PUBLISHED, CampaignStatus.CLOSED]) & region & teams


def visible_campaigns(user: User) -> QuerySet[Campaign]:
    """Return the campaigns ``user`` may open, newest start first."""
    campaigns = Campaign.objects.select_related("product", "product__product_line")
    if can_manage_campaigns(user):
        return campaigns.all()
    if user.sees_everything:
        return campaigns.filter(status__in=[CampaignStatus.PUBLISHED, CampaignStatus.CLOSED])
    # The scope joins regions and teams, so a campaign may come back once per match.
    candidates = dict(Campaign.objects.filter(_scope_filter(user)).values_list("pk", "ranks"))
    if user.role == Role.REP:
        rank = rank_of(user)
        ids = [pk for pk, ranks in candidates.items() if not ranks or rank in ranks]
    else:
        ids = list(candidates)
    return campaigns.filter(pk__in=ids)


def get_visible_campaign(user: User, campaign_id: int) -> Campaign:
    campaign = visible_campaigns(user).filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(
            "campaign_not_found",
            _("Campaign %(id)s was not found or is not visible to you.") % {"id": campaign_id},
            field="campaign",
        )
    return campaign


def reps_in_scope(campaign: Campaign) -> QuerySet[User]:
    """Return the active reps who owe the campaign cases."""
    reps = User.objects.filter(is_active=True, role=Role.REP).select_related("team", "region")
    region_ids = list(campaign.regions.values_list("pk", flat=True))
    team_ids = list(campaign.teams.values_list("pk", flat=True))
    if region_ids:
        reps = reps.filter(region_id__in=region_ids)
    if team_ids:
        reps = reps.filter(team_id__in=team_ids)
    if campaign.ranks:
        ranked = dict(RepRankAssignment.objects.filter(user__in=reps).values_list("user_id", "rank"))
        ids = [pk for pk in reps.values_list("pk", flat=True) if ranked.get(pk, RepRank.JUNIOR) in campaign.ranks]
        reps = reps.filter(pk__in=ids)
    return reps


def can_submit(user: User, campaign: Campaign) -> bool:
    """Return whether ``user`` is a rep in the campaign's scope (dates are checked on submit)."""
    return user.role == Role.REP and reps_in_scope(campaign).filter(pk=user.pk).exists()


def is_open_on(campaign: Campaign, today: dt.date) -> bool:
    return campaign.status == CampaignStatus.PUBLISHED and campaign.starts_on <= today <= campaign.ends_on


def open_or_draft_campaigns(user: User, today: dt.date) -> QuerySet[Campaign]:
    """Return the visible campaigns not closed and not yet ended; only managers of campaigns see drafts."""
    return visible_campaigns(user).exclude(status=CampaignStatus.CLOSED).filter(ends_on__gte=today)


# --- cases ------------------------------------------------------------------------------


def _with_counts(cases: QuerySet[CaseSubmission]) -> QuerySet[CaseSubmission]:
    """Annotate ``reuse_count`` (distinct colleagues with a submitted reuse) and ``endorsement_count``."""
    return cases.annotate(
        reuse_count=Count(
            "reuses__rep",
            filter=Q(reuses__status=CaseStatus.SUBMITTED) & ~Q(reuses__rep=F("rep")),
            distinct=True,
        ),
        endorsement_count=Count("endorsements", distinct=True),
    )


def visible_cases(user: User) -> QuerySet[CaseSubmission]:
    """Return submitted cases of the campaigns visible to ``user``, plus ``user``'s own drafts."""
    campaign_ids = visible_campaigns(user).values("pk")
    cases = CaseSubmission.objects.select_related(
        "campaign", "campaign__product", "rep", "scene", "channel", "region", "team", "source_case", "source_case__rep"
    )
    return _with_counts(
        cases.filter(campaign_id__in=campaign_ids).filter(Q(status=CaseStatus.SUBMITTED) | Q(rep_id=user.pk))
    )


def get_visible_case(user: User, case_id: int) -> CaseSubmission:
    case = visible_cases(user).filter(pk=case_id).first()
    if case is None:
        raise NotFound(
            "case_not_found",
            _("Case %(id)s was not found or is not visible to you.") % {"id": case_id},
            field="case",
        )
    return case


@dataclass(frozen=True)
class RankedCase:
    case: CaseSubmission
    score: float
    reuse_count: int
    endorsement_count: int

    @property
    def score_display(self) -> str:
        return f"{self.score:.1f}"


def rank_cases(cases: QuerySet[CaseSubmission], now: dt.datetime, limit: int = TOP_LIMIT) -> list[RankedCase]:
    """Return the ``limit`` best submitted cases by ``metrics.case_score``; ties go to the newer case."""
    ranked = []
    for case in cases.filter(status=CaseStatus.SUBMITTED).prefetch_related("product_lines"):
        age_days = (now - case.submitted_at).total_seconds() / 86400 if case.submitted_at else 0.0
        score = metrics.case_score(
            reuses=case.reuse_count, endorsements=case.endorsement_count, views=case.view_count, age_days=age_days
        )
        ranked.append(RankedCase(case, score, case.reuse_count, case.endorsement_count))
    ranked.sort(key=lambda row: (-row.score, -(row.case.submitted_at or now).timestamp(), -row.case.pk))
    return ranked[:limit]


class TopDimension:
    ALL = "all"
    REGION = "region"
    PRODUCT_LINE = "product_line"
    RANK = "rank"
    CHOICES = (ALL, REGION, PRODUCT_LINE, RANK)


@dataclass(frozen=True)
class TopGroup:
    label: str
    rows: list[RankedCase]


def top_cases(
    user: User, dimension: str = TopDimension.ALL, *, campaign: Campaign | None = None, now: dt.datetime | None = None
) -> list[TopGroup]:
    """Return the TOP 10 cases ``user`` may see, overall or one list per region, product line or rank."""
    now = now or timezone.now()
    cases = visible_cases(user).filter(status=CaseStatus.SUBMITTED)
    if campaign is not None:
        cases = cases.filter(campaign=campaign)
    if dimension == TopDimension.REGION:
        groups: dict[object, str] = {}
        for region_id, name in cases.values_list("region_id", "region__name").distinct():
            groups[region_id] = name or _("No region")
        return [
            TopGroup(label, rank_cases(cases.filter(region_id=key), now))
            for key, label in sorted(groups.items(), key=lambda item: item[1])
        ]
    if dimension == TopDimension.PRODUCT_LINE:
        groups = {}
        for line_id, name in cases.values_list("product_lines__pk", "product_lines__name").distinct():
            if line_id is not None:
                groups[line_id] = name
        return [
            TopGroup(label, rank_cases(cases.filter(product_lines__pk=key), now))
            for key, label in sorted(groups.items(), key=lambda item: item[1])
        ]
    if dimension == TopDimension.RANK:
        present = set(cases.values_list("rep_rank", flat=True))
        return [
            TopGroup(str(label), rank_cases(cases.filter(rep_rank=value), now))
            for value, label in RepRank.choices
            if value in present
        ]
    return [TopGroup(_("All cases"), rank_cases(cases, now))]


def _reuse_counts_by_campaign(campaign_ids: list[int]) -> dict[int, list[int]]:
    """Return, per campaign, the reuse count of each of its submitted cases (one query)."""
    cases = _with_counts(CaseSubmission.objects.filter(campaign_id__in=campaign_ids, status=CaseStatus.SUBMITTED))
    counts: dict[int, list[int]] = defaultdict(list)
    for campaign_id, count in cases.values_list("campaign_id", "reuse_count"):
        counts[campaign_id].append(count)
    return counts


def _share_of_widely_reused(counts: list[int]) -> tuple[int, int, Decimal | None]:
    widely = sum(1 for count in counts if count >= metrics.REUSED_WIDELY_THRESHOLD)
    return widely, len(counts), metrics.share_percent(widely, len(counts))


def reuse_share(campaign: Campaign) -> tuple[int, int, Decimal | None]:
    """Return (cases reused by at least three colleagues, submitted cases, share in %) of a campaign."""
    return _share_of_widely_reused(_reuse_counts_by_campaign([campaign.pk]).get(campaign.pk, []))


def search_cases(user: User, query: str, *, campaign: Campaign | None = None, limit: int = 30) -> list[CaseSubmission]:
    """Return submitted cases matching a Chinese query on script, scene, product and campaign names.

    Matching uses character bigrams (``core.textsearch``); at least half of the query's
    bigrams must occur in a case.
    """
    cases = visible_cases(user).filter(status=CaseStatus.SUBMITTED).prefetch_related("product_lines")
    if campaign is not None:
        cases = cases.filter(campaign=campaign)
    by_id = {case.pk: case for case in cases}
    # Cached per corpus, so repeated searches over unchanged cases reuse one index.
    index = cached_index(
        "case_search",
        [
            (
                case.pk,
                " ".join(
                    [
                        case.script,
                        case.scene.name if case.scene else "",
                        case.campaign.name,
                        case.campaign.product.name,
                        " ".join(line.name for line in case.product_lines.all()),
                    ]
                ),
            )
            for case in sorted(by_id.values(), key=lambda case: case.pk)
        ],
        concepts=False,
    )
    return [by_id[match.key] for match in index.search(query, limit=limit)]


# --- achievement --------------------------------------------------------------------------


@dataclass(frozen=True)
class Achievement:
    """Submitted cases against required cases to date; ``rate`` is a percentage or None."""

    label: str
    submitted: int
    required: int

    @property
    def rate(self) -> Decimal | None:
        return metrics.achievement_rate(self.submitted, self.required)

    @property
    def rate_display(self) -> str:
        """Return the rate as ``133.3%``, or an em dash while nothing is required yet."""
        rate = self.rate
        return "—" if rate is None else f"{rate}%"


def _submitted_by_rep(campaign: Campaign) -> dict[int, int]:
    rows = (
        CaseSubmission.objects.filter(campaign=campaign, status=CaseStatus.SUBMITTED)
        .values("rep_id")
        .annotate(total=Count("pk"))
    )
    return {row["rep_id"]: row["total"] for row in rows}


def required_per_rep(campaign: Campaign, today: dt.date) -> int:
    return metrics.required_to_date(campaign.weekly_quota, campaign.starts_on, campaign.ends_on, today)


def rep_achievement(campaign: Campaign, rep: User, today: dt.date) -> Achievement:
    submitted = CaseSubmission.objects.filter(campaign=campaign, rep=rep, status=CaseStatus.SUBMITTED).count()
    return Achievement(str(rep), submitted, required_per_rep(campaign, today))


@dataclass(frozen=True)
class AchievementBreakdown:
    reps: list[Achievement]
    teams: list[Achievement]
    regions: list[Achievement]
    total: Achievement


def achievement_breakdown(user: User, campaign: Campaign, today: dt.date | None = None) -> AchievementBreakdown:
    """Return achievement per rep, team and region over the in-scope reps ``user`` may see."""
    today = today or local_date(timezone.now())
    required = required_per_rep(campaign, today)
    submitted = _submitted_by_rep(campaign)
    reps = list(reps_in_scope(campaign).filter(pk__in=visible_users(user).values("pk")).order_by("username"))

    teams: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    regions: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rep_rows = []
    for rep in reps:
        done = submitted.get(rep.pk, 0)
        rep_rows.append(Achievement(str(rep), done, required))
        for bucket, key in (
            (teams, rep.team.name if rep.team else _("No team")),
            (regions, rep.region.name if rep.region else _("No region")),
        ):
            bucket[key][0] += done
            bucket[key][1] += required

    def rows(bucket: dict[str, list[int]]) -> list[Achievement]:
        return [Achievement(label, done, needed) for label, (done, needed) in sorted(bucket.items())]

    total = Achievement(_("All"), sum(row.submitted for row in rep_rows), required * len(rep_rows))
    return AchievementBreakdown(rep_rows, rows(teams), rows(regions), total)


# --- board --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    """One active campaign on the board: the achievement over the in-scope reps ``user``
    may see (as ``achievement_breakdown(...).total``) and the share of widely reused cases."""

    campaign: Campaign
    achievement: Achievement
    widely: int
    case_total: int
    reuse_share: Decimal | None


def board_rows(user: User, today: dt.date) -> list[BoardRow]:
    """Return the board's campaigns with their numbers in a fixed number of queries.

    The reps, their ranks, the submitted counts and the reuse counts are read once for
    all campaigns; each campaign's scope is then matched in Python with the rules of
    ``reps_in_scope``.
    """
    campaigns = list(open_or_draft_campaigns(user, today).prefetch_related("regions", "teams"))
    if not campaigns:
        return []
    campaign_ids = [campaign.pk for campaign in campaigns]
    reps_queryset = User.objects.filter(is_active=True, role=Role.REP, pk__in=visible_users(user).values("pk"))
    reps = list(reps_queryset.values_list("pk", "region_id", "team_id"))
    ranks = dict(RepRankAssignment.objects.filter(user__in=reps_queryset).values_list("user_id", "rank"))
    submitted: dict[tuple[int, int], int] = {
        (row["campaign_id"], row["rep_id"]): row["total"]
        for row in CaseSubmission.objects.filter(campaign_id__in=campaign_ids, status=CaseStatus.SUBMITTED)
        .values("campaign_id", "rep_id")
        .annotate(total=Count("pk"))
    }
    reuse_counts = _reuse_counts_by_campaign(campaign_ids)

    rows = []
    for campaign in campaigns:
        region_ids = {region.pk for region in campaign.regions.all()}
        team_ids = {team.pk for team in campaign.teams.all()}
        in_scope = [
            pk
            for pk, region_id, team_id in reps
            if (not region_ids or region_id in region_ids)
            and (not team_ids or team_id in team_ids)
            and (not campaign.ranks or ranks.get(pk, RepRank.JUNIOR) in campaign.ranks)
        ]
        required = required_per_rep(campaign, today)
        done = sum(submitted.get((campaign.pk, pk), 0) for pk in in_scope)
        widely, total, share = _share_of_widely_reused(reuse_counts.get(campaign.pk, []))
        rows.append(BoardRow(campaign, Achievement(_("All"), done, required * len(in_scope)), widely, total, share))
    return rows
