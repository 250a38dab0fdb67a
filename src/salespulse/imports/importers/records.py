"""Importers for plain records: customers (with their contact), contacts, leads, products, interactions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext as _

from salespulse.accounts.models import Region
from salespulse.core.errors import DomainError
from salespulse.crm import selectors
from salespulse.crm.models import (
    Contact,
    Customer,
    Direction,
    Interaction,
    InteractionChannel,
    Lead,
    Product,
)
from salespulse.imports.headers import (
    CONTACT_FIELDS,
    CUSTOMER_FIELDS,
    INTERACTION_FIELDS,
    LEAD_FIELDS,
    PRODUCT_FIELDS,
)
from salespulse.imports.importers.base import RowImporter, UnknownOption, combine, find_one
from salespulse.imports.lookups import AMBIGUOUS, lookup_key
from salespulse.imports.readers import SheetRow
from salespulse.imports.report import RowOutcome

FOREIGN_KEYS = {"owner", "customer", "channel", "tier", "region", "product_line", "product"}


def attributes_of(values: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """Return model attributes for ``names`` present in ``values`` (foreign keys as ``*_id``)."""
    return {
        (f"{name}_id" if name in FOREIGN_KEYS else name): values[name]
        for name in names
        if name in values
    }


def visible_or_reject(queryset: QuerySet, visible: QuerySet, instance, value: object):
    """Reject matching a record the acting user may not see, instead of silently changing it."""
    if instance is not None and not visible.filter(pk=instance.pk).exists():
        raise DomainError(
            "match_not_visible",
            _(
                "%(value)s matches a record you are not allowed to see; ask its owner or your manager to import it."
            )
            % {"value": value},
        )
    return instance


class CustomerImporter(RowImporter):
    kind = "customers"
    fields = CUSTOMER_FIELDS
    match_keys = ("external_id", "name")
    model = Customer
    customer_fields = [
        "external_id",
        "name",
        "short_name",
        "channel",
        "tier",
        "region",
        "owner",
        "sector",
        "city",
        "address",
        "first_purchase_date",
        "notes",
    ]
    # Public datasets name regions that no workspace has configured yet.
    create_missing_regions = False

    def resolve_choice(self, name: str, text: str) -> Any:
        try:
            return super().resolve_choice(name, text)
        except UnknownOption:
            if name != "region" or not self.create_missing_regions:
                raise
        region = Region.objects.create(
            code=slugify(text)[:40] or f"region-{Region.objects.count() + 1}", name=text
        )
        self.context.recorder.created(region, ["code", "name"], None)
        self.context.lookups.remember("regions", region.pk, region.code, region.name)
        return region.pk

    def write(self, values: dict[str, Any], row: SheetRow) -> str:
        key = self.match_key
        existing = None
        if key in values:
            existing = find_one(
                Customer.objects.filter(**{key: values[key]}),
                self.header_of.get(key, key),
                values[key],
            )
            if existing is None and key == "name":
                # Sheet values are NFKC-normalised, stored names may not be: 江南医院（示例）
                # typed in the app must still match 江南医院(示例) from a sheet.
                pk = self.context.lookups.find("customers", values[key])
                if pk is not None and pk != AMBIGUOUS:
                    existing = Customer.objects.get(pk=pk)
        if existing is not None and self.context.actor is not None:
            visible_or_reject(
                Customer.objects.all(),
                selectors.visible_customers(self.context.actor),
                existing,
                values[key],
            )
        attributes = attributes_of(values, self.customer_fields)
        defaults = {"created_at": self.context.now}
        if "owner_id" not in attributes:
            defaults["owner_id"] = self.default_owner_id()
        customer, outcome = self.upsert(
            Customer, existing, attributes, row, defaults if existing is None else None
        )
        if outcome == RowOutcome.CREATED:
            self.context.lookups.remember(
                "customers", customer.pk, customer.name, customer.external_id
            )
        return combine(outcome, self.write_contact(customer, values, row))

    def write_contact(self, customer: Customer, values: dict[str, Any], row: SheetRow) -> str:
        if "contact_name" not in values:
            return RowOutcome.UNCHANGED
        attributes = {"name": values["contact_name"]}
        for source, target in (
            ("contact_title", "title"),
            ("contact_phone", "phone"),
            ("contact_email", "email"),
        ):
            if source in values:
                attributes[target] = values[source]
        existing = Contact.objects.filter(customer=customer, name=values["contact_name"]).first()
        _contact, outcome = self.upsert(Contact, existing, attributes, row, {"customer": customer})
        return outcome


class ContactImporter(RowImporter):
    kind = "contacts"
    fields = CONTACT_FIELDS
    match_keys = ("phone", "email", "wechat_id", "name")
    model = Contact

    def repeat_key(self, values: dict[str, Any]) -> object:
        key = values.get(self.match_key)
        return None if key is None else (values.get("customer"), key)

    def write(self, values: dict[str, Any], row: SheetRow) -> str:
        key = self.match_key
        existing = None
        if key in values:
            existing = find_one(
                Contact.objects.filter(customer_id=values["customer"], **{key: values[key]}),
                self.header_of.get(key, key),
                values[key],
            )
        attributes = attributes_of(
            values, ["customer", "name", "title", "phone", "email", "wechat_id"]
        )
        _contact, outcome = self.upsert(Contact, existing, attributes, row)
        return outcome


class LeadImporter(RowImporter):
    kind = "leads"
    fields = LEAD_FIELDS
    match_keys = ("external_id", "phone", "email", "name")
    model = Lead

    def write(self, values: dict[str, Any], row: SheetRow) -> str:
        key = self.match_key
        existing = None
        if key in values:
            existing = find_one(
                Lead.objects.filter(**{key: values[key]}), self.header_of.get(key, key), values[key]
            )
        if existing is not None and self.context.actor is not None:
            visible_or_reject(
                Lead.objects.all(),
                selectors.visible_leads(self.context.actor),
                existing,
                values[key],
            )
        attributes = attributes_of(
            values, ["external_id", "name", "company", "phone", "email", "source", "owner"]
        )
        defaults = {"created_at": values.get("created_at") or self.context.now}
        if "owner_id" not in attributes:
            defaults["owner_id"] = self.default_owner_id()
        _lead, outcome = self.upsert(
            Lead, existing, attributes, row, defaults if existing is None else None
        )
        return outcome


class ProductImporter(RowImporter):
    kind = "products"
    fields = PRODUCT_FIELDS
    match_keys = ("code", "name")
    model = Product

    def write(self, values: dict[str, Any], row: SheetRow) -> str:
        key = self.match_key
        existing = None
        if key in values:
            existing = find_one(
                Product.objects.filter(**{key: values[key]}),
                self.header_of.get(key, key),
                values[key],
            )
        attributes = attributes_of(values, ["code", "name", "series", "list_price", "product_line"])
        if existing is None and "code" not in attributes:
            # Products need a unique code; a sheet without one gets the slug of the name.
            attributes["code"] = slugify(values["name"]) or lookup_key(values["name"])
        product, outcome = self.upsert(Product, existing, attributes, row)
        if outcome == RowOutcome.CREATED:
            self.context.lookups.remember("products", product.pk, product.code, product.name)
        return outcome


# Words in a "拜访方式" column and the interaction channel they mean.
INTERACTION_CHANNEL_WORDS = {
    "企业微信": InteractionChannel.WECOM,
    "wecom": InteractionChannel.WECOM,
    "微信": InteractionChannel.WECHAT,
    "wechat": InteractionChannel.WECHAT,
    "邮件": InteractionChannel.EMAIL,
    "email": InteractionChannel.EMAIL,
    "e-mail": InteractionChannel.EMAIL,
    "电话": InteractionChannel.PHONE,
    "phone": InteractionChannel.PHONE,
    "会议": InteractionChannel.MEETING,
    "meeting": InteractionChannel.MEETING,
    "上门": InteractionChannel.VISIT,
    "拜访": InteractionChannel.VISIT,
    "visit": InteractionChannel.VISIT,
}


class InteractionImporter(RowImporter):
    kind = "interactions"
    fields = INTERACTION_FIELDS
    # Without an external id an interaction is identified by customer, time and text.
    match_keys = ("external_id", "occurred_at")
    model = Interaction

    def repeat_key(self, values: dict[str, Any]) -> object:
        # Interactions without an external id are matched by customer, time and text together.
        if self.match_key != "external_id":
            return None
        return values.get("external_id")

    def resolve_choice(self, name: str, text: str) -> Any:
        if name != "channel":
            return super().resolve_choice(name, text)
        channel = INTERACTION_CHANNEL_WORDS.get(lookup_key(text))
        if channel is None and text in InteractionChannel.values:
            channel = text
        if channel is None:
            raise UnknownOption(
                _("%(value)s is not a known contact method; the channel was set to Other.")
                % {"value": text}
            )
        return channel

    def write(self, values: dict[str, Any], row: SheetRow) -> str:
        if self.match_key == "external_id" and "external_id" in values:
            queryset = Interaction.objects.filter(external_id=values["external_id"])
        else:
            queryset = Interaction.objects.filter(
                customer_id=values["customer"],
                occurred_at=values["occurred_at"],
                text=values["text"],
            )
        existing = find_one(
            queryset, self.header_of.get(self.match_key, self.match_key), row.number
        )
        attributes = attributes_of(
            values, ["external_id", "customer", "occurred_at", "text", "owner"]
        )
        attributes["channel"] = values.get("channel", InteractionChannel.OTHER)
        defaults = {"direction": Direction.OUTBOUND}
        if "owner_id" not in attributes:
            defaults["owner_id"] = self.default_owner_id()
        _interaction, outcome = self.upsert(
            Interaction, existing, attributes, row, defaults if existing is None else None
        )
        return outcome
