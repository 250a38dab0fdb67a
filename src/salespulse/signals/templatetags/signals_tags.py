"""Template tags that put signals on pages of other apps (customer, opportunity).

``{% customer_signals customer %}`` and ``{% opportunity_signals opportunity %}`` each
render one card: the latest signals with correction buttons, checklist items a signal
may tick (opportunity), and the interactions with their evidence highlighted.
"""

from __future__ import annotations

from django import template

from salespulse.signals import selectors
from salespulse.signals.highlight import Span, highlight
from salespulse.signals.models import TagDefinition

register = template.Library()


SPEAKER_BY_DIRECTION = {"inbound": "customer", "outbound": "rep", "internal": "internal"}


def trigger_of(signal) -> str:
    """Return the words that triggered the tag (see ``attach_triggers``), else the evidence."""
    return str(getattr(signal, "trigger_words", "") or signal.evidence or "")


def attach_triggers(signals) -> None:
    """Set ``trigger_words`` on each signal by tagging its interaction's text again.

    A signal stores its evidence span but not the trigger words; the same span in a
    fresh run gives them. A span the current configuration no longer finds keeps the
    evidence as its explanation. Each text is tagged once (the engine does thousands
    of messages a second; a record page shows a few dozen).
    """
    from salespulse.signals.tagger import tag_text

    by_interaction: dict[int, list] = {}
    for signal in signals:
        by_interaction.setdefault(signal.interaction_id, []).append(signal)
    for group in by_interaction.values():
        interaction = group[0].interaction
        if not interaction.text:
            continue
        result = tag_text(
            interaction.text,
            channel=interaction.channel,
            speaker=SPEAKER_BY_DIRECTION.get(interaction.direction, "customer"),
            sent_at=interaction.occurred_at,
        )
        found = {(hit.tag, hit.start, hit.end): hit.trigger for hit in result.tags if hit.trigger}
        for signal in group:
            signal.trigger_words = found.get((signal.tag, signal.span_start, signal.span_end), "")


def marked_text(interaction, names: dict[str, str]):
    """Render the interaction's text with the evidence of its shown signals in ``<mark>``."""
    signals = getattr(interaction, "shown_signals", [])
    spans = [
        Span(signal.span_start, signal.span_end, f"{names.get(signal.tag, signal.tag)}: {trigger_of(signal)}",
             "tag", signal.tag)
        for signal in signals
    ]
    return highlight(interaction.text or "", spans)


@register.filter
def tag_name(code: str) -> str:
    """Return a tag's display name. It costs one query per use, so lists set ``tag_label``."""
    return selectors.tag_names().get(code, code)


@register.filter
def lookup(names: dict, code: str) -> str:
    """``names[code]``, or the code itself when it has no name."""
    return names.get(code, code) if isinstance(names, dict) else code


@register.filter
def trigger(signal) -> str:
    return trigger_of(signal)


@register.filter
def percent(value) -> str:
    try:
        return f"{round(float(value) * 100)}%"
    except (TypeError, ValueError):
        return ""


def _record_context(context, *, customer=None, opportunity=None) -> dict:
    request = context["request"]
    user = request.user
    names = selectors.tag_names()
    signals = selectors.latest_signals(user, customer=customer, opportunity=opportunity)
    interactions = selectors.interactions_with_signals(user, customer=customer, opportunity=opportunity)
    proposals = selectors.gate_proposals(user, opportunity) if opportunity is not None else []
    correctable = selectors.correctable_ids(user, [signal.interaction for signal in signals] + interactions)
    for signal in [*signals, *(proposal.signal for proposal in proposals)]:
        signal.correctable = signal.interaction_id in correctable
        signal.tag_label = names.get(signal.tag, signal.tag)
    for interaction in interactions:
        interaction.correctable = interaction.pk in correctable
    attach_triggers([*signals, *(signal for interaction in interactions for signal in interaction.shown_signals)])
    for interaction in interactions:
        interaction.marked = marked_text(interaction, names)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "signals": signals,
        "interactions": interactions,
        "proposals": proposals,
        "missed_choices": list(TagDefinition.objects.filter(enabled=True).values_list("code", "name")),
        "next": request.get_full_path(),
        "record": opportunity or customer,
    }


@register.inclusion_tag("signals/_record_signals.html", takes_context=True)
def customer_signals(context, customer):
    return _record_context(context, customer=customer)


@register.inclusion_tag("signals/_record_signals.html", takes_context=True)
def opportunity_signals(context, opportunity):
    return _record_context(context, opportunity=opportunity)
