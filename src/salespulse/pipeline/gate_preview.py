"""Read-only preview of the stage gates ahead of an opportunity: what is met, what is not.

The opportunity page shows it before the rep tries a move. It evaluates the same gates
(``gates_on_the_way``) against the same evidence (``gate_context``) as the transition
service, so the preview and an actual move cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from salespulse.crm.models import Opportunity
from salespulse.pipeline.gates import GateContext, UnmetItem, evaluate
from salespulse.pipeline.models import Stage, StageKind
from salespulse.pipeline.services import gate_context, gates_on_the_way


@dataclass(frozen=True)
class GateRequirement:
    """One top-level condition of a gate; ``unmet`` is empty when it is met."""

    description: str
    unmet: list[UnmetItem]

    @property
    def met(self) -> bool:
        return not self.unmet


@dataclass(frozen=True)
class GateChecklist:
    """The requirements of every gate a move from the current stage to ``to_stage`` passes."""

    to_stage: Stage
    requirements: list[GateRequirement]

    @property
    def unmet_count(self) -> int:
        return sum(1 for requirement in self.requirements if not requirement.met)


def gate_checklist(opportunity: Opportunity, to_stage: Stage) -> GateChecklist:
    """Evaluate each requirement between the opportunity's stage and ``to_stage``."""
    context = gate_context(opportunity)
    blank = _blank_context(context)
    requirements = []
    for gate in gates_on_the_way(opportunity.stage, to_stage):
        rule = gate.rule or {}
        for node in rule.get("all", [rule] if rule else []):
            requirements.append(GateRequirement(_describe(node, blank), evaluate(node, context)))
    return GateChecklist(to_stage, requirements)


def next_stages(opportunity: Opportunity) -> list[Stage]:
    """Return the next open stage, and the next stage after it that has an enabled gate.

    The second entry shows a rep what the coming gate asks for while a stage without a
    gate still lies in between. A deal in the last open stage gets the won stage.
    """
    if opportunity.stage.is_closed:
        return []
    ahead = list(
        Stage.objects.filter(pipeline_id=opportunity.pipeline_id, position__gt=opportunity.stage.position)
        .exclude(kind=StageKind.LOST)
        .select_related("gate")
        .order_by("position")
    )
    open_ahead = [stage for stage in ahead if stage.kind == StageKind.OPEN]
    won = [stage for stage in ahead if stage.kind == StageKind.WON][:1]
    first = open_ahead[:1] or won
    if not first:
        return []
    gated = next(
        (stage for stage in [*open_ahead[1:], *won] if _has_enabled_gate(stage) and stage != first[0]), None
    )
    return first if gated is None or _has_enabled_gate(first[0]) else [first[0], gated]


def _has_enabled_gate(stage: Stage) -> bool:
    gate = getattr(stage, "gate", None)
    return gate is not None and gate.enabled


def _blank_context(context: GateContext) -> GateContext:
    """A context with no evidence, so every condition reports the message that describes it."""
    return GateContext(
        opportunity=Opportunity(pipeline_id=context.opportunity.pipeline_id),
        confirmations=frozenset(),
        attachment_counts={},
        objections_total=0,
        objections_answered=0,
        document_type_names=context.document_type_names,
    )


def _describe(node: dict, blank: GateContext) -> str:
    if "all" in node:
        return "；".join(_describe(child, blank) for child in node["all"])
    if "any" in node:
        options = "；".join(_describe(child, blank) for child in node["any"])
        return _("Meet one of: %(options)s") % {"options": options}
    if node.get("type") == "objections":
        # The unmet message carries the current count, which a description must not show.
        if node.get("with_response", True):
            message = _("Record at least %(needed)s customer objections with a response in the current stage.")
        else:
            message = _("Record at least %(needed)s customer objections in the current stage.")
        return message % {"needed": node["min"]}
    return "；".join(item.message for item in evaluate(node, blank))
