import datetime as dt
import threading

import pytest
from django.db import connection, connections

from salespulse.accounts.models import Role
from salespulse.core.errors import DomainError
from salespulse.rebates.models import DocumentSequence, RebateConfirmation
from salespulse.rebates.services import confirm_rebate
from tests.factories import CustomerFactory, UserFactory
from tests.rebates.agreements import make_agreement

NOW = dt.datetime(2026, 12, 3, 2, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_number_uses_shanghai_month():
    rep = UserFactory(role=Role.REP)
    agreement = make_agreement(customer=CustomerFactory(owner=rep))
    # 2026-11-30 17:30 UTC is 2026-12-01 01:30 in Shanghai.
    late_november_utc = dt.datetime(2026, 11, 30, 17, 30, tzinfo=dt.UTC)

    document = confirm_rebate(
        actor=rep,
        agreement=agreement,
        period=dt.date(2026, 11, 30),
        product_ids=list(agreement.products.values_list("pk", flat=True)),
        payments=["1.00"],
        now=late_november_utc,
    )

    assert document.number == "RB-202612-000001"


@pytest.mark.django_db
def test_failed_confirmation_leaves_no_gap():
    rep = UserFactory(role=Role.REP)
    agreement = make_agreement(customer=CustomerFactory(owner=rep))
    products = list(agreement.products.values_list("pk", flat=True))
    first = confirm_rebate(
        actor=rep, agreement=agreement, period=NOW.date(), product_ids=products, payments=["1.00"], now=NOW
    )

    with pytest.raises(DomainError):
        confirm_rebate(
            actor=rep, agreement=agreement, period=NOW.date(), product_ids=products, payments=["-1.00"], now=NOW
        )
    second = confirm_rebate(
        actor=rep, agreement=agreement, period=NOW.date(), product_ids=products, payments=["1.00"], now=NOW
    )

    assert (first.number, second.number) == ("RB-202612-000001", "RB-202612-000002")
    assert DocumentSequence.objects.get(period_key="202612").last_number == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_get_consecutive_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL; run with DATABASE_URL=postgres://…")
    rep = UserFactory(role=Role.REP)
    customers = [CustomerFactory(owner=rep) for _ in range(4)]
    agreements = [make_agreement(customer=customer, code=f"RB-{index}") for index, customer in enumerate(customers)]
    workers = 20
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []

    def confirm(agreement):
        try:
            barrier.wait(timeout=10)
            document = confirm_rebate(
                actor=rep,
                agreement=agreement,
                period=NOW.date(),
                product_ids=list(agreement.products.values_list("pk", flat=True)),
                payments=["600000.00"],
                now=NOW,
            )
            outcomes.append(document.number)
        except Exception as error:  # noqa: BLE001 - reported in the assertion below
            outcomes.append(f"error: {error!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(agreements[index % 4],)) for index in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == [f"RB-202612-{number:06d}" for number in range(1, workers + 1)]
    assert RebateConfirmation.objects.count() == workers
    # Settlement ran one at a time per agreement: each agreement's five documents add up.
    for agreement in agreements:
        amounts = sorted(doc.rebate_amount for doc in RebateConfirmation.objects.filter(agreement=agreement))
        assert (
            sum(amounts) == agreement.confirmations.order_by("-period_collected_total").first().rebate_total_for_period
        )
