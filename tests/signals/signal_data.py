"""Signals and tag definitions for the tests of the signal pages, corrections and capture.

Signals are created directly, so the tests do not depend on what the tagger engine says.
"""

from __future__ import annotations

from decimal import Decimal

import factory

from salespulse.signals.models import Signal, SignalStatus, TagDefinition
from tests.factories import InteractionFactory

TAGS = {
    "budget_approved": ("预算已批", "Budget approved"),
    "price_objection": ("价格异议", "Price objection"),
    "competitor_preference": ("倾向竞品", "Leaning to a competitor"),
    "needs_hq_approval": ("需上级审批", "Needs approval higher up"),
    "sample_request": ("样品/试用需求", "Sample request"),
}


def ensure_tags() -> dict[str, TagDefinition]:
    """The tags the tests use, whether or not a data migration installed them."""
    tags = {}
    for position, (code, (name, name_en)) in enumerate(TAGS.items()):
        tags[code], _ = TagDefinition.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "position": position, "builtin": True}
        )
    return tags


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signal

    interaction = factory.SubFactory(InteractionFactory, text="预算已经批下来了，下周三可以签合同")
    customer = factory.LazyAttribute(lambda signal: signal.interaction.customer)
    opportunity = factory.LazyAttribute(lambda signal: signal.interaction.opportunity)
    tag = "budget_approved"
    confidence = Decimal("0.920")
    span_start = 0
    span_end = 8
    evidence = factory.LazyAttribute(lambda signal: signal.interaction.text[signal.span_start : signal.span_end])
    status = SignalStatus.ACTIVE
    occurred_at = factory.LazyAttribute(lambda signal: signal.interaction.occurred_at)
