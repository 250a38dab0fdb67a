"""Products, customers and contacts of the demo workspace."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from salespulse.crm.models import Channel, Contact, Customer, CustomerTier, Product, ProductLine
from salespulse.demo.people import People, RepProfile
from salespulse.demo.reference import (
    BRANCHES,
    CHANNEL_KINDS,
    CHANNEL_WEIGHTS,
    CONTACT_TITLES,
    EXTERNAL_ID_PREFIX,
    ORGANISATION_STEMS,
    PRODUCTS,
    REGIONS,
    START,
    ZONE,
    DemoSize,
    person_name,
)

# Share of customers that bought before the two years of history begin ("existing").
# The others are prospects, and their first purchase, if any, falls inside the history.
EXISTING_SHARE = 0.62


@dataclass
class Catalogue:
    channels: dict[str, Channel]
    product_lines: dict[str, ProductLine]
    products: dict[str, list[Product]]


@dataclass
class DemoCustomer:
    """A customer with the facts the deal generator needs."""

    customer: Customer
    rep: RepProfile
    channel_code: str
    existing: bool
    contacts: list[Contact] = field(default_factory=list)


def create_catalogue() -> Catalogue:
    """Write the demo products; channels and product lines come from the crm migration."""
    channels = {
        channel.code: channel for channel in Channel.objects.filter(code__in=CHANNEL_WEIGHTS)
    }
    product_lines = {line.code: line for line in ProductLine.objects.filter(code__in=PRODUCTS)}
    products: dict[str, list[Product]] = {}
    for line_code, specs in PRODUCTS.items():
        products[line_code] = [
            Product(
                code=code,
                name=name,
                series=series,
                list_price=Decimal(price),
                product_line=product_lines[line_code],
            )
            for code, name, series, price in specs
        ]
    Product.objects.bulk_create([product for line in products.values() for product in line])
    return Catalogue(channels=channels, product_lines=product_lines, products=products)


def create_customers(
    size: DemoSize, people: People, catalogue: Catalogue, rng: random.Random
) -> list[DemoCustomer]:
    """Write customers (owned by reps, in the rep's region) and 1 to 3 contacts each."""
    tiers = list(CustomerTier.objects.order_by("code"))
    channel_codes = list(CHANNEL_WEIGHTS)
    channel_weights = list(CHANNEL_WEIGHTS.values())
    cities = {
        region.code: spec.cities for region, spec in zip(people.regions, REGIONS, strict=True)
    }
    used_names: set[str] = set()
    customers: list[DemoCustomer] = []

    number = 0
    for rep in people.reps:
        for _ in range(size.customers_per_rep * size.scale):
            number += 1
            channel_code = rng.choices(channel_codes, channel_weights)[0]
            city = rng.choice(cities[rep.region.code])
            name = _unique_name(city, channel_code, rng, used_names)
            existing = rng.random() < EXISTING_SHARE
            created_at = _customer_created_at(existing, rng)
            first_purchase_date = _historic_purchase_date(created_at, rng) if existing else None
            customer = Customer(
                name=name,
                short_name=name.removesuffix("（示例）")[len(city) :][:80],
                external_id=f"{EXTERNAL_ID_PREFIX}customer:{number:06d}",
                channel=catalogue.channels[channel_code],
                tier=rng.choice(tiers) if tiers else None,
                region=rep.region,
                owner=rep.user,
                city=city,
                address=f"{city}市{rng.choice(ORGANISATION_STEMS)}路{rng.randint(1, 999)}号",
                # Set for existing customers now; prospects get the date of their first
                # won deal once the deals exist.
                first_purchase_date=first_purchase_date,
                created_at=created_at,
            )
            customers.append(DemoCustomer(customer, rep, channel_code, existing))

    Customer.objects.bulk_create([entry.customer for entry in customers], batch_size=1000)
    _create_contacts(customers, rng)
    return customers


def _unique_name(city: str, channel_code: str, rng: random.Random, used: set[str]) -> str:
    base = f"{city}{rng.choice(ORGANISATION_STEMS)}{rng.choice(CHANNEL_KINDS[channel_code])}"
    for branch in BRANCHES:
        name = f"{base}{branch}（示例）"
        if name not in used:
            used.add(name)
            return name
    number = 2
    while f"{base}{number}部（示例）" in used:
        number += 1
    name = f"{base}{number}部（示例）"
    used.add(name)
    return name


def _historic_purchase_date(created_at: dt.datetime, rng: random.Random) -> dt.date:
    first = created_at.date()
    last = START.date() - dt.timedelta(days=1)
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _customer_created_at(existing: bool, rng: random.Random) -> dt.datetime:
    if existing:
        day = dt.date(2015, 6, 1) + dt.timedelta(days=rng.randint(0, 365 * 3))
    else:
        day = START.date() - dt.timedelta(days=rng.randint(1, 120))
    return dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZONE)


def _create_contacts(customers: list[DemoCustomer], rng: random.Random) -> None:
    contacts: list[Contact] = []
    number = 0
    for entry in customers:
        titles = CONTACT_TITLES[entry.channel_code]
        for index in range(rng.choice((1, 2, 2, 3))):
            number += 1
            contact = Contact(
                customer_id=entry.customer.pk,
                name=person_name(rng),
                title=rng.choice(titles),
                phone=f"1380000{number % 10000:04d}",
                email=f"contact{number:06d}@example.com",
                wechat_id=f"demo_wx_{number:06d}",
                is_decision_maker=index == 0,
            )
            entry.contacts.append(contact)
            contacts.append(contact)
    Contact.objects.bulk_create(contacts, batch_size=1000)
