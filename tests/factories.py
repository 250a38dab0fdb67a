"""factory_boy factories for test data; opportunities go through the transition service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from salespulse.accounts.models import Region, Role, Team, User
from salespulse.crm.models import (
    Channel,
    Contact,
    Customer,
    Direction,
    Interaction,
    InteractionChannel,
    Lead,
    ProductLine,
)
from salespulse.pipeline.models import MoveSource, Pipeline
from salespulse.pipeline.services import create_opportunity

PASSWORD = "test-pass-123"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"华东{n}区")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"team-{n}")
    name = factory.Sequence(lambda n: f"销售{n}组")
    region = factory.SubFactory(RegionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"销售{n}")
    role = Role.REP
    team = factory.SubFactory(TeamFactory)
    region = factory.LazyAttribute(lambda user: user.team.region if user.team else None)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def persist_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"第{n}人民医院")
    channel = factory.LazyFunction(lambda: Channel.objects.get(code="hospital"))
    owner = factory.SubFactory(UserFactory)
    region = factory.LazyAttribute(lambda customer: customer.owner.region if customer.owner else None)
    created_at = factory.LazyFunction(timezone.now)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    name = factory.Sequence(lambda n: f"线索{n}")
    owner = factory.SubFactory(UserFactory)
    created_at = factory.LazyFunction(timezone.now)


def make_opportunity(
    *,
    owner: User | None = None,
    customer: Customer | None = None,
    stage_code: str | None = None,
    created_at: dt.datetime | None = None,
    expected_amount: Decimal | None = Decimal("100000.00"),
    name: str = "彩超采购项目",
    **fields,
):
    """Create an opportunity in the default pipeline through the transition service.

    The deal is loaded as synthetic data (source ``demo``), so it may start in a gated
    stage without evidence; tests of gates move deals with an interactive source.
    """
    pipeline = Pipeline.objects.get(is_default=True)
    owner = owner or UserFactory()
    customer = customer or CustomerFactory(owner=owner)
    stage = pipeline.stages.get(code=stage_code) if stage_code else None
    return create_opportunity(
        actor=owner,
        name=name,
        pipeline=pipeline,
        owner=owner,
        stage=stage,
        customer=customer,
        created_at=created_at,
        source=fields.pop("source", MoveSource.DEMO),
        expected_amount=expected_amount,
        product_line=fields.pop("product_line", None) or ProductLine.objects.get(code="imaging"),
        **fields,
    )


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    customer = factory.SubFactory(CustomerFactory)
    owner = factory.LazyAttribute(lambda interaction: interaction.customer.owner)
    channel = InteractionChannel.WECHAT
    direction = Direction.OUTBOUND
    occurred_at = factory.LazyFunction(timezone.now)
    text = "您好，报价单已发送，请查收。"
