"""Fake-progress report: forward moves that were soon reversed, and what each gate changed.

A forward move counts as fake progress when the same deal regresses to an earlier stage
than the one it was moved to within ``REVERSAL_WINDOW`` of the move. The share of such
moves is reported per rep and per team, and for each stage gate in equal windows before
and after the gate was switched on, next to the number of moves the gate blocked.

Which moves count: stage intervals with a ``from_stage`` (creation is not a move), not a
regression, into an open or won stage (a loss is not progress). Every source counts
except ``system``: historical imports are the moves made before SalesPulse, which is the
"before" baseline of a gate, and demo data imitates real moves. Selectors take the
requesting user and read the moves of the opportunities that user may see. A move is
credited to the rep who owned the deal when it was made (``StageInterval.owner``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone

from salespulse.accounts.models import Team, User
from salespulse.accounts.scopes import owned_by_visible_users
from salespulse.core.timeutil import start_of_local_day
from salespulse.pipeline.models import GateAttempt, MoveSource, StageGate, StageInterval, StageKind

# A regression this soon after a forward move marks the move as fake progress.
REVERSAL_WINDOW = dt.timedelta(days=14)
# Length of each of the two windows around the moment a gate was switched on.
GATE_WINDOW = dt.timedelta(days=90)
# Moves that no person decided, so they tell nothing about a rep's discipline.
UNCOUNTED_SOURCES = frozenset({MoveSource.SYSTEM})
SHARE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class ReversalShare:
    """Forward moves and how many of them were reversed within ``REVERSAL_WINDOW``."""

    forward_moves: int
    reversed_moves: int

    @property
    def share(self) -> Decimal | None:
        """Reversed moves as a fraction of forward moves (four places, half-up); None without moves."""
        if not self.forward_moves:
            return None
        return (Decimal(self.reversed_moves) / Decimal(self.forward_moves)).quantize(SHARE_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class RepFakeProgress:
    """Figures of one rep; ``rep`` is None for moves whose owner was deleted."""

    rep: User | None
    figures: ReversalShare


@dataclass(frozen=True)
class TeamFakeProgress:
    """Figures of one team; ``team`` is None for reps without a team."""

    team: Team | None
    figures: ReversalShare


@dataclass(frozen=True)
class GateEffect:
    """One stage gate: moves it blocked in the period, and fake progress around its switch-on.

    ``before`` and ``after`` cover the moves the gate checks (those that enter or skip its
    stage) in two windows of length ``window`` that meet at ``gate.enabled_at``. The
    window is shorter than ``GATE_WINDOW`` when the gate was switched on more recently,
    so both sides stay equal. All three are None for a gate that was never switched on.
    """

    gate: StageGate
    blocked_attempts: int
    window: dt.timedelta | None
    before: ReversalShare | None
    after: ReversalShare | None


@dataclass(frozen=True)
class FakeProgressReport:
    """The fake-progress figures of the local dates ``start`` to ``end``, both included."""

    start: dt.date
    end: dt.date
    total: ReversalShare
    reps: list[RepFakeProgress]
    teams: list[TeamFakeProgress]
    gates: list[GateEffect]


@dataclass(frozen=True)
class _ForwardMove:
    opportunity_id: int
    entered_at: dt.datetime
    pipeline_id: int
    from_kind: str
    from_position: int
    to_stage_id: int
    to_kind: str
    to_position: int
    owner_id: int | None
    reversed: bool


def fake_progress_report(
    user: User,
    *,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
    gate_window: dt.timedelta = GATE_WINDOW,
) -> FakeProgressReport:
    """Return the report of forward moves made on the local dates ``start`` to ``end``.

    At most seven queries whatever the number of moves.
    """
    now = now or timezone.now()
    since, until = start_of_local_day(start), start_of_local_day(end + dt.timedelta(days=1))
    moves = _forward_moves(user, since, until)
    reps, teams = _by_rep_and_team(moves)

    return FakeProgressReport(
        start=start,
        end=end,
        total=_share(moves),
        reps=reps,
        teams=teams,
        gates=gate_effects(user, since=since, until=until, now=now, window=gate_window),
    )


def gate_effects(
    user: User,
    *,
    since: dt.datetime,
    until: dt.datetime,
    now: dt.datetime | None = None,
    window: dt.timedelta = GATE_WINDOW,
) -> list[GateEffect]:
    """Return every stage gate with its blocked attempts in ``[since, until)`` and its before/after shares."""
    now = now or timezone.now()
    gates = list(StageGate.objects.select_related("stage__pipeline").order_by("stage__pipeline__code", "stage__position"))
    attempts = dict(
        GateAttempt.objects.filter(
            owned_by_visible_users(user, "opportunity__owner"), attempted_at__gte=since, attempted_at__lt=until
        )
        .values_list("gate_id")
        .annotate(count=Count("id"))
        .order_by()
    )

    windows = {gate.pk: _gate_window(gate, now, window) for gate in gates}
    spans = [(gate.enabled_at - length, gate.enabled_at + length) for gate in gates if (length := windows[gate.pk])]
    moves = _forward_moves(user, min(s for s, _ in spans), max(u for _, u in spans)) if spans else []

    effects = []
    for gate in gates:
        length = windows[gate.pk]
        before = after = None
        if length:
            checked = [move for move in moves if _gate_checks(gate, move)]
            before = _share(m for m in checked if gate.enabled_at - length <= m.entered_at < gate.enabled_at)
            after = _share(m for m in checked if gate.enabled_at <= m.entered_at < gate.enabled_at + length)
        effects.append(GateEffect(gate, attempts.get(gate.pk, 0), length, before, after))
    return effects


def _gate_window(gate: StageGate, now: dt.datetime, window: dt.timedelta) -> dt.timedelta | None:
    if gate.enabled_at is None or gate.enabled_at >= now:
        return None
    return min(window, now - gate.enabled_at)


def _gate_checks(gate: StageGate, move: _ForwardMove) -> bool:
    """Return whether ``gate`` checks ``move``, by the same rule as ``services.gates_on_the_way``."""
    stage = gate.stage
    if stage.pipeline_id != move.pipeline_id:
        return False
    if stage.kind != StageKind.OPEN:
        return move.to_stage_id == stage.pk
    if move.from_kind != StageKind.OPEN or move.from_position >= stage.position:
        return False
    return move.to_kind == StageKind.WON or (move.to_kind == StageKind.OPEN and move.to_position >= stage.position)


def _visible_intervals(user: User) -> QuerySet[StageInterval]:
    return StageInterval.objects.filter(owned_by_visible_users(user, "opportunity__owner"))


def _forward_moves(user: User, since: dt.datetime, until: dt.datetime) -> list[_ForwardMove]:
    """Return the counted forward moves entered in ``[since, until)``, each marked reversed or not.

    NOTE: a move made less than ``REVERSAL_WINDOW`` ago may still be reversed later, so
    the share of the most recent two weeks can only rise.
    """
    rows = (
        _visible_intervals(user)
        .filter(from_stage__isnull=False, is_regression=False, stage__kind__in=[StageKind.OPEN, StageKind.WON],
                entered_at__gte=since, entered_at__lt=until)
        .exclude(source__in=UNCOUNTED_SOURCES)
        .values_list("opportunity_id", "entered_at", "stage__pipeline_id", "from_stage__kind",
                     "from_stage__position", "stage_id", "stage__kind", "stage__position", "owner_id")
        .order_by("entered_at", "id")
    )
    regressions: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for opportunity_id, entered_at, position in (
        _visible_intervals(user)
        .filter(is_regression=True, entered_at__gt=since, entered_at__lte=until + REVERSAL_WINDOW)
        .values_list("opportunity_id", "entered_at", "stage__position")
    ):
        regressions[opportunity_id].append((entered_at, position))

    moves = []
    for opportunity_id, entered_at, pipeline_id, from_kind, from_position, to_id, to_kind, to_position, owner_id in rows:
        reversed_ = any(
            entered_at < regressed_at <= entered_at + REVERSAL_WINDOW
            and (to_kind != StageKind.OPEN or regressed_position < to_position)
            for regressed_at, regressed_position in regressions.get(opportunity_id, ())
        )
        moves.append(_ForwardMove(opportunity_id, entered_at, pipeline_id, from_kind, from_position, to_id,
                                  to_kind, to_position, owner_id, reversed_))
    return moves


def _share(moves: Iterable[_ForwardMove]) -> ReversalShare:
    forward = reversed_ = 0
    for move in moves:
        forward += 1
        reversed_ += move.reversed
    return ReversalShare(forward, reversed_)


def _by_rep_and_team(moves: list[_ForwardMove]) -> tuple[list[RepFakeProgress], list[TeamFakeProgress]]:
    """Group moves by owner and by the owner's current team; both lists sorted by name."""
    by_owner: dict[int | None, list[_ForwardMove]] = defaultdict(list)
    for move in moves:
        by_owner[move.owner_id].append(move)
    owners = User.objects.select_related("team").in_bulk([pk for pk in by_owner if pk is not None])

    reps = [RepFakeProgress(owners.get(pk) if pk is not None else None, _share(items)) for pk, items in by_owner.items()]
    reps.sort(key=lambda row: (row.rep is None, row.rep.display_name if row.rep else "", row.rep.pk if row.rep else 0))

    by_team: dict[int | None, list[_ForwardMove]] = defaultdict(list)
    teams: dict[int, Team] = {}
    for pk, items in by_owner.items():
        team = owners[pk].team if pk is not None and pk in owners else None
        if team is not None:
            teams[team.pk] = team
        by_team[team.pk if team else None].extend(items)
    team_rows = [TeamFakeProgress(teams.get(pk) if pk is not None else None, _share(items)) for pk, items in by_team.items()]
    team_rows.sort(key=lambda row: (row.team is None, row.team.code if row.team else ""))
    return reps, team_rows
