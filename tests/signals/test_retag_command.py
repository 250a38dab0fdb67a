import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from salespulse.signals.models import Signal
from tests.factories import CustomerFactory, InteractionFactory

pytestmark = pytest.mark.django_db

BUDGET_TEXT = "预算已经批下来了，下周三可以签合同"


def test_since_days_tags_only_recent_interactions():
    customer = CustomerFactory()
    recent = InteractionFactory(customer=customer, text=BUDGET_TEXT, direction="inbound")
    old = InteractionFactory(
        customer=customer, text=BUDGET_TEXT, direction="inbound",
        occurred_at=timezone.now() - dt.timedelta(days=90),
    )

    call_command("retag", "--since-days", "30", stdout=StringIO())

    assert Signal.objects.filter(interaction=recent, tag="budget_approved").exists()
    assert not Signal.objects.filter(interaction=old).exists()


def test_since_days_below_one_is_refused_naming_the_value():
    with pytest.raises(CommandError, match="not 0"):
        call_command("retag", "--since-days", "0", stdout=StringIO())
