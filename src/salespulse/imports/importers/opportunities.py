"""Opportunity import. Stages are only ever set through the transition service.

A new opportunity is created with ``create_opportunity``. A won or lost row with a
close time is created in ``entry_stage`` at its created time. It is then moved to
the closing stage at the close time, so the stage history shows how long it was open. A stage change on an existing opportunity is a
``move_opportunity_to_stage`` call.

In a historical import (the ``historical`` option, ops and administrators only, or a
layout that is another system's export such as the Maven set), moves at a time the
file records (a close date) replay a decision taken elsewhere, so they use
``MoveSource.HISTORY_IMPORT`` and stage gates do not apply. Every other move uses
``MoveSource.IMPORT``, so the gates apply and a blocked row is rejected with the
gate's message followed by each unmet item. The
won amount and signing date columns count toward the gate of that move.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from salespulse.core.errors import DomainError
from salespulse.crm import selectors
from salespulse.crm.models import Opportunity, OpportunityStatus, Product
from salespulse.imports.changes import diff_fields
from salespulse.imports.headers import OPPORTUNITY_FIELDS
from salespulse.imports.importers.base import RowImporter, UnknownOption, find_one, may_load_history
from salespulse.imports.importers.records import attributes_of, visible_or_reject
from salespulse.imports.lookups import AMBIGUOUS
from salespulse.imports.normalize import ValueProblem, normalize_text
from salespulse.imports.readers import SheetRow
from salespulse.imports.report import RowOutcome
from salespulse.pipeline.models import MoveSource, Stage
from salespulse.pipeline.services import (
    GateBlocked,
    create_opportunity,
    first_open_stage,
    move_opportunity_to_stage,
)

PLAIN_FIELDS = [
    "external_id",
    "name",
    "customer",
    "owner",
    "expected_amount",
    "expected_close_date",
    "signed_date",
    "product_line",
    "product",
]


class OpportunityImporter(RowImporter):
    kind = "opportunities"
    fields = OPPORTUNITY_FIELDS
    match_keys = ("external_id", "name")
    model = Opportunity
    # Source stage name → stage code, for sheets that name stages their own way.
    stage_mapping: dict[str, str] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.entry_stage = first_open_stage(self.context.lookups.pipeline)
        self._names: dict[type, dict[int, str]] = {}
        self._existing: dict[str, Opportunity] | None = None

    def run(self) -> None:
        self.preload_existing()
        super().run()

    def preload_existing(self) -> None:
        """Load the opportunities the file may match in a few queries instead of one per row."""
        if self.match_key not in self.index:
            return
        keys = {normalize_text(self.cell(row, self.match_key)) for row in self.table.rows}
        keys.discard("")
        self._existing = {}
        chunk = sorted(keys)
        for start in range(0, len(chunk), 500):
            queryset = Opportunity.objects.filter(
                **{f"{self.match_key}__in": chunk[start : start + 500]}
            )
            for opportunity in queryset:
                self._existing[getattr(opportunity, self.match_key)] = opportunity

    def resolve_choice(self, name: str, text: str) -> Any:
        if name == "stage":
            stage = self.context.lookups.stage(text, self.stage_mapping)
            if stage is None:
                raise UnknownOption(
                    _(
                        "%(value)s is not a stage of pipeline %(pipeline)s; the stage was left unchanged."
                    )
                    % {"value": text, "pipeline": self.context.lookups.pipeline.name}
                )
            return stage
        if name == "product":
            return self.resolve_product(text)
        return super().resolve_choice(name, text)

    def resolve_product(self, text: str) -> int:
        lookups = self.context.lookups
        pk = lookups.find("products", text)
        if pk is not None and pk != AMBIGUOUS:
            return pk
        close = lookups.close_match("products", text) if pk is None else None
        if close is None:
            return super().resolve_choice("product", text)
        if not self.context.options.accept_close_matches:
            if self.context.options.on_cli:
                message = _(
                    "Product %(value)s does not exist; the closest product is %(match)s. Run the import again with --accept-close-matches to use it, or correct the file."
                )
            else:
                message = _(
                    'Product %(value)s does not exist; the closest product is %(match)s. Tick "Use the closest product for near-miss names" to use it, or correct the file.'
                )
            raise ValueProblem(
                message
                % {
                    "value": text,
                    "match": Product.objects.get(pk=lookups.find("products", close)).name,
                }
            )
        return lookups.find("products", close)

    def parse_row(self, row: SheetRow) -> dict[str, Any] | None:
        values = super().parse_row(row)
        if values is None:
            return None
        product_cell = self.cell(row, "product")
        if (
            "product" in values
            and str(product_cell).strip()
            and self.context.options.accept_close_matches
        ):
            name = self.name_of(Product, values["product"])
            if name and name.casefold() != str(product_cell).strip().casefold():
                self.warn(
                    row,
                    "product",
                    product_cell,
                    _("Product %(value)s was matched to %(match)s.")
                    % {"value": product_cell, "match": name},
                )
        if (
            "customer" in self.index
            and "customer" not in values
            and not str(self.cell(row, "customer") or "").strip()
        ):
            self.warn(
                row,
                "customer",
                "",
                _("The customer is empty; the opportunity was imported without a customer."),
            )
        if "name" not in values:
            values["name"] = self.derive_name(row, values)
            if not values["name"]:
                self.reject(
                    row,
                    "name",
                    "",
                    _("The opportunity has no name, customer or product to name it by."),
                )
                return None
        return values

    def name_of(self, model, pk: int) -> str:
        cache = self._names.setdefault(model, {})
        if pk not in cache:
            cache[pk] = model.objects.filter(pk=pk).values_list("name", flat=True).first() or ""
        return cache[pk]

    def derive_name(self, row: SheetRow, values: dict[str, Any]) -> str:
        """Name a deal the sheet leaves unnamed after its customer and product, as the sheet writes them."""
        parts = [normalize_text(self.cell(row, "customer"))]
        product = normalize_text(self.cell(row, "product")) or normalize_text(
            self.cell(row, "product_line")
        )
        parts.append(product)
        if not parts[0] and values.get("external_id"):
            parts.append(values["external_id"])
        return " · ".join(part for part in parts if part)[:200]

    def find_existing(self, values: dict[str, Any]) -> Opportunity | None:
        key = self.match_key
        if key not in values:
            return None
        if self._existing is not None and key == "external_id":
            existing = self._existing.get(values[key])
        else:
            existing = find_one(
                Opportunity.objects.filter(**{key: values[key]}),
                self.header_of.get(key, key),
                values[key],
            )
        actor = self.context.actor
        if existing is not None and actor is not None and not actor.sees_everything:
            visible_or_reject(
                Opportunity.objects.all(),
                selectors.visible_opportunities(self.context.actor),
                existing,
                values[key],
            )
        return existing

    def write(self, values: dict[str, Any], row: SheetRow) -> str:
        try:
            return self._write(values, row)
        except GateBlocked as blocked:
            # The row report shows one message, so it names every unmet item, not only the count.
            details = " ".join([str(blocked.message), *(item.message for item in blocked.items)])
            raise DomainError(blocked.code, details, field="stage", params=blocked.params) from blocked

    def _write(self, values: dict[str, Any], row: SheetRow) -> str:
        existing = self.find_existing(values)
        if existing is None:
            opportunity = self.create(values, row)
            if self._existing is not None and self.match_key in values:
                self._existing[values[self.match_key]] = opportunity
            return RowOutcome.CREATED
        return self.update(existing, values, row)

    def dated_move_source(self) -> str:
        """Return the source of a move dated by the file: history only when allowed."""
        historical = self.context.options.historical or self.historical_by_layout
        if historical and may_load_history(self.context.actor):
            return MoveSource.HISTORY_IMPORT
        return MoveSource.IMPORT

    def create(self, values: dict[str, Any], row: SheetRow) -> Opportunity:
        context = self.context
        stage: Stage | None = values.get("stage")
        attributes = attributes_of(values, PLAIN_FIELDS)
        if "owner_id" not in attributes:
            attributes["owner_id"] = self.default_owner_id()
        closed_at = values.get("closed_at")
        created_at = values.get("created_at") or (
            closed_at if closed_at and stage and stage.is_closed else None
        )
        moves_later = stage is not None and stage.is_closed and closed_at is not None
        start_stage = self.entry_stage if moves_later else stage
        if (
            stage is not None
            and stage.kind == OpportunityStatus.WON
            and "won_amount" in values
            and not moves_later
        ):
            attributes["won_amount"] = values["won_amount"]

        opportunity = self._create(attributes, start_stage, created_at or context.now)
        if moves_later:
            move_opportunity_to_stage(
                opportunity=opportunity,
                to_stage=stage,
                actor=context.actor,
                source=self.dated_move_source(),
                at=closed_at,
                won_amount=values.get("won_amount"),
                import_batch=context.batch,
            )
        context.recorder.created(opportunity, [*attributes, "stage_id"], row.number)
        return opportunity

    def _create(self, attributes: dict[str, Any], stage: Stage | None, created_at) -> Opportunity:
        fields = dict(attributes)
        name = fields.pop("name")
        owner_id = fields.pop("owner_id", None)
        owner = self.context.lookups.user_instance(owner_id)
        return create_opportunity(
            actor=self.context.actor,
            name=name,
            pipeline=self.context.lookups.pipeline,
            owner=owner,
            stage=stage,
            created_at=created_at,
            source=MoveSource.IMPORT,
            **fields,
        )

    def update(self, existing: Opportunity, values: dict[str, Any], row: SheetRow) -> str:
        context = self.context
        attributes = attributes_of(values, PLAIN_FIELDS)
        if existing.status == OpportunityStatus.WON and "won_amount" in values:
            attributes["won_amount"] = values["won_amount"]
        applied, previous = diff_fields(existing, attributes)
        stage: Stage | None = values.get("stage")
        if applied:
            Opportunity.objects.filter(pk=existing.pk).update(**applied, updated_at=context.now)
            for name, value in applied.items():
                setattr(existing, name, value)
        if stage is not None and stage.pk != existing.stage_id:
            previous["stage_id"] = existing.stage_id
            recorded = stage.is_closed and values.get("closed_at") is not None
            at = values["closed_at"] if recorded else context.now
            if at < existing.stage_entered_at:
                raise DomainError(
                    "move_before_stage_entry",
                    _(
                        "The close time in the file is earlier than the time the opportunity entered its current stage."
                    ),
                )
            move_opportunity_to_stage(
                opportunity=existing,
                to_stage=stage,
                actor=context.actor,
                source=self.dated_move_source() if recorded else MoveSource.IMPORT,
                at=at,
                won_amount=values.get("won_amount"),
                import_batch=context.batch,
            )
            applied["stage_id"] = stage.pk
        if not applied:
            return RowOutcome.UNCHANGED
        context.recorder.updated(existing, applied, previous, row.number)
        return RowOutcome.UPDATED
