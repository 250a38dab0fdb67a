"""The Maven "CRM Sales Opportunities" CSV set: accounts, products, sales teams, pipeline.

Each file is recognised by its exact header row and imported with a fixed column
map. ``deal_stage`` values reach stages through the saved stage mapping
``crm_maven_deal_stage``, which ops can edit in the admin.
"""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from salespulse.accounts.models import Region, Role, Team, User
from salespulse.imports.headers import FieldSpec
from salespulse.imports.importers.base import RowImporter, combine, may_import_accounts
from salespulse.imports.importers.opportunities import OpportunityImporter
from salespulse.imports.importers.records import CustomerImporter, ProductImporter
from salespulse.imports.lookups import AMBIGUOUS
from salespulse.imports.models import StageMapping
from salespulse.imports.readers import SheetRow
from salespulse.imports.report import RowOutcome
from salespulse.pipeline.models import Pipeline

DEAL_STAGE_MAPPING_CODE = "crm_maven_deal_stage"
DEFAULT_DEAL_STAGES = {
    "Prospecting": "initial_contact",
    "Engaging": "needs_analysis",
    "Won": "won",
    "Lost": "lost",
}
# The deal_stage that won and lost deals passed through before they closed.
ENGAGED_DEAL_STAGE = "Engaging"


def saved_stage_mapping(
    code: str, name: str, pipeline: Pipeline, defaults: dict[str, str]
) -> dict[str, str]:
    """Return the saved mapping ``code``, creating it from ``defaults`` the first time."""
    mapping, _created = StageMapping.objects.get_or_create(
        code=code, defaults={"name": name, "pipeline": pipeline, "stages": defaults}
    )
    return mapping.stages


class MavenAccountImporter(CustomerImporter):
    match_keys = ("name",)
    create_missing_regions = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only roles that may import accounts create regions; for others an unknown
        # office is a warning and the field stays empty.
        self.create_missing_regions = may_import_accounts(self.context.actor)


class MavenProductImporter(ProductImporter):
    match_keys = ("name",)


class MavenPipelineImporter(OpportunityImporter):
    # NOTE: each row costs one create_opportunity and, for closed deals, one
    # move_opportunity_to_stage call (about 6 ms per row on SQLite). The transition
    # service has no bulk form, so the 8,800-row file takes about a minute.
    match_keys = ("external_id",)
    historical_by_layout = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        lookups = self.context.lookups
        self.stage_mapping = saved_stage_mapping(
            DEAL_STAGE_MAPPING_CODE,
            "CRM Sales Opportunities deal_stage",
            lookups.pipeline,
            DEFAULT_DEAL_STAGES,
        )
        self.entry_stage = lookups.stage(ENGAGED_DEAL_STAGE, self.stage_mapping) or self.entry_stage


TEAM_FIELDS = [
    FieldSpec("agent", _("sales agent"), required=True),
    FieldSpec("manager", _("manager")),
    FieldSpec("region", _("regional office")),
]


class SalesTeamImporter(RowImporter):
    """One row per agent: creates the region, the manager's team, the manager and the agent."""

    kind = "crm_maven"
    fields = TEAM_FIELDS
    match_keys = ("agent",)
    creates_accounts = True

    def write(self, values: dict[str, Any], row: SheetRow) -> str:
        outcomes = []
        region = self.get_or_create_coded(Region, "regions", values.get("region"), row, outcomes)
        team = None
        if values.get("manager") and region is not None:
            team = self.get_or_create_coded(
                Team,
                "teams",
                f"team-{values['manager']}",
                row,
                outcomes,
                name=values["manager"],
                region=region,
            )
            self.upsert_user(values["manager"], Role.MANAGER, team, region, row, outcomes)
        agent_outcome = self.upsert_user(values["agent"], Role.REP, team, region, row, outcomes)
        return combine(agent_outcome, *[o for o in outcomes if o != RowOutcome.CREATED])

    def get_or_create_coded(
        self, model, table: str, text: str | None, row: SheetRow, outcomes: list, **extra
    ):
        if not text:
            return None
        lookups = self.context.lookups
        code = slugify(text)[:40]
        pk = lookups.find(table, code)
        if pk is None:
            pk = lookups.find(table, text)
        if pk is not None and pk != AMBIGUOUS:
            return model.objects.get(pk=pk)
        instance = model.objects.create(code=code, name=extra.pop("name", text), **extra)
        self.context.recorder.created(instance, ["code", "name"], row.number)
        lookups.remember(table, instance.pk, instance.code, instance.name)
        outcomes.append(RowOutcome.CREATED)
        return instance

    def upsert_user(self, name: str, role: str, team, region, row: SheetRow, outcomes: list) -> str:
        lookups = self.context.lookups
        pk = lookups.find("users", name)
        existing = User.objects.get(pk=pk) if pk is not None and pk != AMBIGUOUS else None
        attributes = {
            "team_id": getattr(team, "pk", None),
            "region_id": getattr(region, "pk", None),
        }
        if existing is None:
            attributes.update(display_name=name, role=role)
        defaults = {"username": slugify(name).replace("-", ".")[:150] or f"user{row.number}"}
        user, outcome = self.upsert(User, existing, attributes, row, defaults)
        if outcome == RowOutcome.CREATED:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            lookups.remember("users", user.pk, user.username, user.display_name)
        outcomes.append(outcome)
        return outcome


MAVEN_LAYOUTS: dict[str, tuple[type[RowImporter] | None, dict[str, str]]] = {
    "accounts": (
        MavenAccountImporter,
        {"account": "name", "sector": "sector", "office_location": "region"},
    ),
    "products": (
        MavenProductImporter,
        {"product": "name", "series": "series", "sales_price": "list_price"},
    ),
    "sales_teams": (
        SalesTeamImporter,
        {"sales_agent": "agent", "manager": "manager", "regional_office": "region"},
    ),
    "sales_pipeline": (
        MavenPipelineImporter,
        {
            "opportunity_id": "external_id",
            "sales_agent": "owner",
            "product": "product",
            "account": "customer",
            "deal_stage": "stage",
            "engage_date": "created_at",
            "close_date": "closed_at",
            "close_value": "won_amount",
        },
    ),
    # The dataset's description of its columns: nothing to import.
    "data_dictionary": (None, {}),
}
# Files of the set are imported in this order, so that references resolve.
LAYOUT_ORDER = ["sales_teams", "accounts", "products", "sales_pipeline", "data_dictionary"]
