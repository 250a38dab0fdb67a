"""Pure rebate arithmetic: parse amounts, pick the tier, compute the rebate, explain it.

Everything here is ``Decimal``: payments are parsed from decimal strings and summed
before the tier is chosen, and the rebate is rounded half-up to 0.01 once, at the end.
No float, ``round()`` or banker's rounding is used. Nothing here touches the database.

Tier tables must have non-decreasing rates. Under that assumption both modes are
monotonic: the rebate never decreases when the collected amount grows. In whole mode
a table with a falling rate would pay less for collecting more (e.g. 5% up to 1,000,000
and 4% above), so ``validate_tiers`` rejects such tables.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal, InvalidOperation, localcontext
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salespulse.core.errors import DomainError
from salespulse.core.money import CENT, quantize_money

# Enough digits for a 16-digit amount times a 6-place rate with no inexact step.
_EXACT = Context(prec=60)
MAX_AMOUNT = Decimal("99999999999999.99")

WHOLE = "whole"
PROGRESSIVE = "progressive"
MODES = (WHOLE, PROGRESSIVE)


@dataclass(frozen=True)
class Tier:
    """Collected ≥ ``threshold`` reaches ``rate`` (a fraction: 0.032 is 3.2%)."""

    threshold: Decimal
    rate: Decimal


@dataclass(frozen=True)
class ExplanationStep:
    """One line of the "why": a lazy-translated sentence and its already formatted values."""

    code: str
    template: Any
    params: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The sentence in the active language."""
        return str(self.template) % self.params


@dataclass(frozen=True)
class RebateCalculation:
    """The result of one calculation; ``rebate`` is rounded, ``exact_rebate`` is not.

    ``tier_index`` is 0-based into the sorted tier table and ``None`` when the amount is
    below the first threshold. ``amount_to_next_tier`` is ``None`` at the top tier.
    """

    mode: str
    collected: Decimal
    payment_count: int
    tier_index: int | None
    tier_threshold: Decimal | None
    rate: Decimal
    exact_rebate: Decimal
    rebate: Decimal
    next_threshold: Decimal | None
    next_rate: Decimal | None
    amount_to_next_tier: Decimal | None
    steps: tuple[ExplanationStep, ...]

    @property
    def explanation(self) -> list[str]:
        return [step.text for step in self.steps]


def format_money(value: Decimal) -> str:
    """Format an amount as ``1,234,567.89`` after rounding half-up to cents."""
    return f"{quantize_money(value):,.2f}"


def format_rate(rate: Decimal) -> str:
    """Format a fractional rate as a percentage without trailing zeros: 0.032 → ``3.2%``."""
    percent = (rate * 100).normalize()
    if percent == percent.to_integral_value():
        percent = percent.quantize(Decimal(1))
    return f"{percent:f}%"


AMOUNT_TEXT = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")


def parse_amount(value: object, *, field: str = "collected") -> Decimal:
    """Parse one money amount from a decimal string (or a ``Decimal``/``int``).

    Raises ``DomainError`` naming the value for floats, booleans, text that is not a
    number, NaN or infinity, negative amounts, more than two decimal places, and
    amounts too large to store.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise DomainError(
            "amount_not_decimal_string",
            _('The amount %(value)s must be written as a decimal string such as "120000.10", not as a number.')
            % {"value": value},
            field=field,
            params={"value": value},
        )
    if isinstance(value, str):
        # Commas only as thousands separators ("1,020.00"): "500000,00" is a decimal comma
        # typed by mistake and must not turn into 50,000,000. Only ASCII digits count.
        text = value.strip()
        amount = None
        if AMOUNT_TEXT.fullmatch(text):
            try:
                amount = Decimal(text.replace(",", ""))
            except InvalidOperation:
                amount = None
    elif isinstance(value, (Decimal, int)):
        amount = Decimal(value)
    else:
        amount = None
    if amount is None or not amount.is_finite():
        raise DomainError(
            "amount_invalid",
            _('The amount "%(value)s" is not a valid number. Enter an amount such as 120000.10.') % {"value": value},
            field=field,
            params={"value": value},
        )
    if amount < 0:
        raise DomainError(
            "amount_negative",
            _("The amount %(value)s is negative. Enter the collected amount as zero or more.") % {"value": value},
            field=field,
            params={"value": value},
        )
    if amount > MAX_AMOUNT:
        raise DomainError(
            "amount_too_large",
            _("The amount %(value)s is too large. Enter at most 99,999,999,999,999.99.") % {"value": value},
            field=field,
            params={"value": value},
        )
    if amount != amount.quantize(CENT):
        raise DomainError(
            "amount_precision",
            _("The amount %(value)s has more than two decimal places. Enter yuan and fen only.") % {"value": value},
            field=field,
            params={"value": value},
        )
    return amount


def sum_payments(payments: Iterable[object], *, field: str = "payments") -> tuple[Decimal, int]:
    """Parse every payment and return their exact sum and count."""
    total = Decimal("0.00")
    count = 0
    for index, payment in enumerate(payments):
        total += parse_amount(payment, field=f"{field}[{index}]")
        count += 1
    if total > MAX_AMOUNT:
        raise DomainError(
            "amount_too_large",
            _("The amount %(value)s is too large. Enter at most 99,999,999,999,999.99.") % {"value": total},
            field=field,
            params={"value": total},
        )
    return total, count


def parse_rate(value: object, *, field: str = "rate") -> Decimal:
    """Parse a rate given as a fraction in a decimal string: "0.032" is 3.2%."""
    if isinstance(value, (bool, float)):
        raise DomainError(
            "rate_not_decimal_string",
            _('The rate %(value)s must be written as a decimal string such as "0.032", not as a number.')
            % {"value": value},
            field=field,
            params={"value": value},
        )
    try:
        rate = Decimal(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        rate = None
    if rate is None or not rate.is_finite() or rate < 0 or rate > 1 or rate != rate.quantize(Decimal("0.000001")):
        raise DomainError(
            "rate_invalid",
            _(
                'The rate "%(value)s" is invalid. Enter a fraction from 0 to 1 with at most six decimal places, '
                "e.g. 0.032 for 3.2%%."
            )
            % {"value": value},
            field=field,
            params={"value": value},
        )
    return rate


def validate_tiers(tiers: Iterable[Tier]) -> tuple[Tier, ...]:
    """Return the tiers sorted by threshold after checking the table is usable.

    Rejects an empty table, repeated thresholds, and a rate that falls as the threshold
    rises (it would make the rebate shrink when more is collected).
    """
    ordered = tuple(sorted(tiers, key=lambda tier: tier.threshold))
    if not ordered:
        raise DomainError("tiers_empty", _("The tier table is empty. Add at least one tier."), field="tiers")
    for index, tier in enumerate(ordered):
        if tier.threshold < 0 or tier.rate < 0 or tier.rate > 1:
            raise DomainError(
                "tier_invalid",
                _(
                    "The tier at %(threshold)s with rate %(rate)s is invalid. Thresholds must be zero or more "
                    "and rates between 0 and 1."
                )
                % {"threshold": tier.threshold, "rate": tier.rate},
                field="tiers",
                params={"threshold": tier.threshold, "rate": tier.rate},
            )
        if index == 0:
            continue
        previous = ordered[index - 1]
        if tier.threshold == previous.threshold:
            raise DomainError(
                "tier_threshold_repeated",
                _("The threshold %(threshold)s appears twice in the tier table. Keep one row per threshold.")
                % {"threshold": format_money(tier.threshold)},
                field="tiers",
                params={"threshold": tier.threshold},
            )
        if tier.rate < previous.rate:
            raise DomainError(
                "tier_rate_decreasing",
                _(
                    "The rate %(rate)s at threshold %(threshold)s is lower than the rate %(previous_rate)s below it. "
                    "Rates must not fall as the threshold rises."
                )
                % {
                    "rate": format_rate(tier.rate),
                    "threshold": format_money(tier.threshold),
                    "previous_rate": format_rate(previous.rate),
                },
                field="tiers",
                params={"threshold": tier.threshold, "rate": tier.rate},
            )
    return ordered


def parse_tiers(rows: Sequence[dict[str, object]]) -> tuple[Tier, ...]:
    """Parse ``[{"threshold": "500000.00", "rate": "0.032"}, …]`` and validate the table."""
    tiers = []
    for index, row in enumerate(rows):
        threshold = parse_amount(row.get("threshold"), field=f"tiers[{index}].threshold")
        rate = parse_rate(row.get("rate"), field=f"tiers[{index}].rate")
        tiers.append(Tier(threshold=threshold, rate=rate))
    return validate_tiers(tiers)


def reached_tier_index(tiers: Sequence[Tier], collected: Decimal) -> int | None:
    """Return the index of the highest tier with threshold ≤ ``collected`` (thresholds are inclusive)."""
    reached = None
    for index, tier in enumerate(tiers):
        if collected >= tier.threshold:
            reached = index
    return reached


def calculate_rebate(
    *, tiers: Sequence[Tier], mode: str, collected: Decimal, payment_count: int = 1
) -> RebateCalculation:
    """Compute the rebate on ``collected`` (already summed) for a validated, sorted tier table."""
    if mode not in MODES:
        raise DomainError(
            "mode_invalid",
            _('The calculation mode "%(mode)s" is unknown. Use whole or progressive.') % {"mode": mode},
            field="mode",
            params={"mode": mode},
        )
    tiers = validate_tiers(tiers)
    index = reached_tier_index(tiers, collected)
    steps = [_collected_step(collected, payment_count)]

    with localcontext(_EXACT):
        if mode == WHOLE:
            exact, more_steps = _whole(tiers, index, collected)
        else:
            exact, more_steps = _progressive(tiers, index, collected)
    rebate = quantize_money(exact)
    steps.extend(more_steps)
    steps.append(
        ExplanationStep(
            "rounded",
            gettext_lazy("Rebate %(exact)s, rounded half-up to the fen: %(rebate)s."),
            {"exact": _plain(exact), "rebate": format_money(rebate)},
        )
    )

    next_tier = tiers[index + 1] if index is not None and index + 1 < len(tiers) else None
    if index is None:
        next_tier = tiers[0]
    steps.append(_next_tier_step(next_tier, collected))

    return RebateCalculation(
        mode=mode,
        collected=collected,
        payment_count=payment_count,
        tier_index=index,
        tier_threshold=tiers[index].threshold if index is not None else None,
        rate=tiers[index].rate if index is not None else Decimal("0"),
        exact_rebate=exact,
        rebate=rebate,
        next_threshold=next_tier.threshold if next_tier else None,
        next_rate=next_tier.rate if next_tier else None,
        amount_to_next_tier=(next_tier.threshold - collected) if next_tier else None,
        steps=tuple(steps),
    )


def calculate_from_payments(*, tiers: Sequence[Tier], mode: str, payments: Sequence[object]) -> RebateCalculation:
    """Sum the payments first, then compute the rebate on the sum."""
    collected, count = sum_payments(payments)
    return calculate_rebate(tiers=tiers, mode=mode, collected=collected, payment_count=count)


def period_bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """Return the first and last day (inclusive) of the month, quarter or year containing ``day``."""
    if kind == "month":
        first_month, months = day.month, 1
    elif kind == "quarter":
        first_month, months = 3 * ((day.month - 1) // 3) + 1, 3
    elif kind == "year":
        first_month, months = 1, 12
    else:
        raise ValueError(f"unknown period kind {kind!r}; expected month, quarter or year")
    start = dt.date(day.year, first_month, 1)
    end_month = first_month + months
    next_start = dt.date(day.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return start, next_start - dt.timedelta(days=1)


def _whole(tiers: Sequence[Tier], index: int | None, collected: Decimal) -> tuple[Decimal, list[ExplanationStep]]:
    if index is None:
        step = ExplanationStep(
            "no_tier",
            gettext_lazy("Collected %(collected)s is below the first threshold %(threshold)s, so no rebate is due."),
            {"collected": format_money(collected), "threshold": format_money(tiers[0].threshold)},
        )
        return Decimal("0"), [step]
    tier = tiers[index]
    exact = collected * tier.rate
    params = {
        "index": str(index + 1),
        "collected": format_money(collected),
        "threshold": format_money(tier.threshold),
        "rate": format_rate(tier.rate),
        "exact": _plain(exact),
    }
    return exact, [
        ExplanationStep(
            "tier_reached",
            gettext_lazy("Tier %(index)s reached: collected %(collected)s ≥ threshold %(threshold)s, rate %(rate)s."),
            params,
        ),
        ExplanationStep(
            "whole_amount",
            gettext_lazy("Whole amount: %(collected)s × %(rate)s = %(exact)s."),
            params,
        ),
    ]


def _progressive(tiers: Sequence[Tier], index: int | None, collected: Decimal) -> tuple[Decimal, list[ExplanationStep]]:
    if index is None:
        return _whole(tiers, index, collected)
    exact = Decimal("0")
    steps = [
        ExplanationStep(
            "tier_reached",
            gettext_lazy("Tier %(index)s reached: collected %(collected)s ≥ threshold %(threshold)s, rate %(rate)s."),
            {
                "index": str(index + 1),
                "collected": format_money(collected),
                "threshold": format_money(tiers[index].threshold),
                "rate": format_rate(tiers[index].rate),
            },
        )
    ]
    for position in range(index + 1):
        tier = tiers[position]
        upper = tiers[position + 1].threshold if position < index else collected
        slice_amount = upper - tier.threshold
        slice_rebate = slice_amount * tier.rate
        exact += slice_rebate
        steps.append(
            ExplanationStep(
                "slice",
                gettext_lazy("Slice from %(lower)s to %(upper)s: %(amount)s × %(rate)s = %(rebate)s."),
                {
                    "lower": format_money(tier.threshold),
                    "upper": format_money(upper),
                    "amount": format_money(slice_amount),
                    "rate": format_rate(tier.rate),
                    "rebate": _plain(slice_rebate),
                },
            )
        )
    return exact, steps


def _collected_step(collected: Decimal, payment_count: int) -> ExplanationStep:
    if payment_count > 1:
        return ExplanationStep(
            "collected_sum",
            gettext_lazy("Collected %(collected)s in total, the sum of %(count)s payments."),
            {"collected": format_money(collected), "count": str(payment_count)},
        )
    return ExplanationStep(
        "collected", gettext_lazy("Collected %(collected)s."), {"collected": format_money(collected)}
    )


def _next_tier_step(next_tier: Tier | None, collected: Decimal) -> ExplanationStep:
    if next_tier is None:
        return ExplanationStep("top_tier", gettext_lazy("The highest tier is reached."), {})
    return ExplanationStep(
        "next_tier",
        gettext_lazy("Collect %(remaining)s more to reach the next tier at %(threshold)s with rate %(rate)s."),
        {
            "remaining": format_money(next_tier.threshold - collected),
            "threshold": format_money(next_tier.threshold),
            "rate": format_rate(next_tier.rate),
        },
    )


def _plain(value: Decimal) -> str:
    """Show an unrounded amount exactly, with at least two places and no exponent."""
    if value == value.quantize(CENT):
        return f"{value.quantize(CENT):,f}"
    return f"{value.normalize():,f}"
