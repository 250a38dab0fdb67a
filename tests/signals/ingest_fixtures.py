"""A rep, a manager and the hospital of the sample files, for ingestion tests."""

from __future__ import annotations

from dataclasses import dataclass

from salespulse.accounts.models import Role, User
from salespulse.crm.models import Contact, Customer, Opportunity
from tests.factories import ContactFactory, CustomerFactory, TeamFactory, UserFactory, make_opportunity


@dataclass
class SampleWorld:
    rep: User
    manager: User
    customer: Customer
    contact: Contact
    opportunity: Opportunity | None


def build_sample_world(*, with_contact: bool = True, open_deals: int = 1) -> SampleWorld:
    team = TeamFactory(code="east-sample")
    rep = UserFactory(username="ChenYiMing", display_name="陈一鸣", email="chen.yiming@qinghe-med.example", team=team)
    manager = UserFactory(username="ZhaoRong", display_name="赵镕", role=Role.MANAGER, team=team)
    customer = CustomerFactory(name="江南区人民医院（示例）", short_name="江南区医院", owner=rep)
    contact = None
    if with_contact:
        contact = ContactFactory(
            customer=customer,
            name="王喆",
            wecom_external_userid="wmEXAMPLE0000000000000000000000A",
            wechat_id="wxid_example_wangzhe",
            email="100000001@qq.example",
            phone="138 0000 0002",
        )
    opportunity = None
    for index in range(open_deals):
        opportunity = make_opportunity(owner=rep, customer=customer, name=f"生化试剂{index}")
    return SampleWorld(rep, manager, customer, contact, opportunity)
