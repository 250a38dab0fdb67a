import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from salespulse.accounts.models import Role
from salespulse.core.errors import Conflict, DomainError, PermissionDenied
from salespulse.rebates.models import (
    AgreementStatus,
    AuditAction,
    ConfirmationStatus,
    CustomerGroup,
    RebateAuditEvent,
    RebateConfirmation,
)
from salespulse.rebates.selectors import visible_confirmations
from salespulse.rebates.services import acknowledge, confirm_rebate, quote, reverse_confirmation
from tests.factories import CustomerFactory, UserFactory
from tests.rebates.agreements import make_agreement, make_product

pytestmark = pytest.mark.django_db

MAY = dt.date(2026, 5, 10)
NOW = dt.datetime(2026, 5, 20, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def rep():
    return UserFactory(role=Role.REP)


@pytest.fixture
def agreement(rep):
    return make_agreement(customer=CustomerFactory(owner=rep))


def confirm(agreement, actor, payments, **kwargs):
    return confirm_rebate(
        actor=actor,
        agreement=agreement,
        period=kwargs.pop("period", MAY),
        product_ids=kwargs.pop("product_ids", [product.pk for product in agreement.products.all()]),
        payments=payments,
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


def test_second_confirmation_pays_difference(agreement, rep):
    first = confirm(agreement, rep, ["600000.00"])
    second = confirm(agreement, rep, ["500000.00"])

    assert first.rebate_amount == Decimal("19200.00")
    assert second.rebate_amount == Decimal("30300.00")
    assert second.previously_confirmed == Decimal("19200.00")
    assert second.period_collected_total == Decimal("1100000.00")
    assert second.rebate_total_for_period == Decimal("49500.00")
    assert first.rebate_amount + second.rebate_amount == Decimal("49500.00")


def test_confirmation_stores_period_and_number(agreement, rep):
    document = confirm(agreement, rep, ["120000.10", "300000.10", "79999.80"])

    document.refresh_from_db()
    assert document.number == "RB-202605-000001"
    assert document.period_start == dt.date(2026, 5, 1)
    assert document.period_end == dt.date(2026, 5, 31)
    assert document.payments == ["120000.10", "300000.10", "79999.80"]
    assert document.collected_total == Decimal("500000.00")
    assert document.rebate_amount == Decimal("16000.00")
    assert document.rate == Decimal("0.032")
    assert document.status == ConfirmationStatus.CONFIRMED
    assert len(document.verification_code) == 12


def test_confirmation_writes_audit_event(agreement, rep):
    document = confirm(agreement, rep, ["600000.00"])

    event = RebateAuditEvent.objects.get(document=document)
    assert event.action == AuditAction.CONFIRMED
    assert event.actor == rep
    assert event.at == NOW


def test_next_month_does_not_settle_against_may(agreement, rep):
    confirm(agreement, rep, ["600000.00"])
    june = confirm(agreement, rep, ["500000.00"], period=dt.date(2026, 6, 3), now=NOW + dt.timedelta(days=16))

    assert june.previously_confirmed == Decimal("0.00")
    assert june.rebate_amount == Decimal("16000.00")


def test_quote_settles_without_storing(agreement, rep):
    confirm(agreement, rep, ["600000.00"])
    count = RebateConfirmation.objects.count()

    result = quote(payments=["500000.00"], agreement=agreement, period=MAY)

    assert result.payable == Decimal("30300.00")
    assert result.previously_confirmed == Decimal("19200.00")
    assert result.calculation.rebate == Decimal("49500.00")
    assert RebateConfirmation.objects.count() == count


def test_product_not_covered_rejected(agreement, rep):
    other = make_product(code="MRI-1", name="磁共振 M1")

    with translation.override("en"), pytest.raises(DomainError) as error:
        confirm(agreement, rep, ["1.00"], product_ids=[other.pk])

    assert error.value.code == "product_not_covered"
    assert error.value.message == (
        "Product MRI-1 磁共振 M1 is not covered by agreement RB-HOSP-2026. Remove it or choose another agreement."
    )
    assert not RebateConfirmation.objects.exists()


def test_agreement_not_effective_rejected(rep):
    agreement = make_agreement(customer=CustomerFactory(owner=rep), effective_to=dt.date(2026, 4, 30))

    with pytest.raises(DomainError) as error:
        confirm(agreement, rep, ["1.00"])

    assert error.value.code == "agreement_not_effective"


def test_draft_agreement_rejected(rep):
    agreement = make_agreement(customer=CustomerFactory(owner=rep), status=AgreementStatus.DRAFT)

    with pytest.raises(DomainError) as error:
        confirm(agreement, rep, ["1.00"])

    assert error.value.code == "agreement_not_active"


def test_zero_collected_rejected(agreement, rep):
    with pytest.raises(DomainError) as error:
        confirm(agreement, rep, ["0.00"])

    assert error.value.code == "collected_zero"


def test_rep_of_other_customer_cannot_confirm(agreement):
    stranger = UserFactory(role=Role.REP)

    with pytest.raises(PermissionDenied):
        confirm(agreement, stranger, ["1.00"])

    assert not RebateConfirmation.objects.exists()


def test_group_agreement_needs_member_customer(rep):
    member = CustomerFactory(owner=rep)
    group = CustomerGroup.objects.create(code="hospital-group", name="医院集团")
    group.customers.add(member)
    agreement = make_agreement(customer_group=group)

    document = confirm(agreement, rep, ["500000.00"], customer=member)
    with pytest.raises(DomainError) as error:
        confirm(agreement, rep, ["1.00"], customer=CustomerFactory(owner=rep))

    assert document.customer == member
    assert error.value.code == "customer_not_in_agreement"


def test_finance_acknowledges(agreement, rep):
    finance = UserFactory(role=Role.FINANCE, team=None)
    document = confirm(agreement, rep, ["600000.00"])

    acknowledge(actor=finance, document=document, now=NOW)

    document.refresh_from_db()
    assert document.status == ConfirmationStatus.ACKNOWLEDGED
    assert document.acknowledged_by == finance
    assert RebateAuditEvent.objects.filter(document=document, action=AuditAction.ACKNOWLEDGED, actor=finance).exists()


def test_rep_cannot_acknowledge(agreement, rep):
    document = confirm(agreement, rep, ["600000.00"])

    with pytest.raises(PermissionDenied):
        acknowledge(actor=rep, document=document)

    document.refresh_from_db()
    assert document.status == ConfirmationStatus.CONFIRMED


def test_acknowledge_twice_conflicts(agreement, rep):
    finance = UserFactory(role=Role.FINANCE, team=None)
    document = confirm(agreement, rep, ["600000.00"])
    acknowledge(actor=finance, document=document)

    with pytest.raises(Conflict):
        acknowledge(actor=finance, document=document)


def test_reversal_resettles_period(agreement, rep):
    first = confirm(agreement, rep, ["600000.00"])
    confirm(agreement, rep, ["500000.00"])

    reversal = reverse_confirmation(actor=rep, document=first, reason="回款金额录错", now=NOW)

    first.refresh_from_db()
    assert first.status == ConfirmationStatus.REVERSED
    assert reversal.reverses == first
    assert reversal.collected_total == Decimal("-600000.00")
    assert reversal.payments == ["-600000.00"]
    assert reversal.rebate_amount == Decimal("-33500.00")
    period_total = sum(doc.rebate_amount for doc in RebateConfirmation.objects.all())
    assert period_total == Decimal("16000.00")


def test_confirmation_after_reversal_settles(agreement, rep):
    first = confirm(agreement, rep, ["600000.00"])
    reverse_confirmation(actor=rep, document=first, reason="重开", now=NOW)

    again = confirm(agreement, rep, ["600000.00"])

    assert again.previously_confirmed == Decimal("0.00")
    assert again.rebate_amount == Decimal("19200.00")


def test_reversal_writes_two_audit_events(agreement, rep):
    first = confirm(agreement, rep, ["600000.00"])

    reversal = reverse_confirmation(actor=rep, document=first, reason="重开", now=NOW)

    assert RebateAuditEvent.objects.filter(document=first, action=AuditAction.REVERSED).count() == 1
    assert RebateAuditEvent.objects.filter(document=reversal, action=AuditAction.REVERSAL_ISSUED).count() == 1


def test_reverse_twice_conflicts(agreement, rep):
    first = confirm(agreement, rep, ["600000.00"])
    reverse_confirmation(actor=rep, document=first, reason="重开")
    first.refresh_from_db()

    with pytest.raises(Conflict):
        reverse_confirmation(actor=UserFactory(role=Role.FINANCE, team=None), document=first, reason="again")


def test_reversal_cannot_be_reversed(agreement, rep):
    reversal = reverse_confirmation(actor=rep, document=confirm(agreement, rep, ["1.00"]), reason="重开")

    with pytest.raises(DomainError) as error:
        reverse_confirmation(actor=rep, document=reversal, reason="again")

    assert error.value.code == "reversal_of_reversal"


def test_reversal_needs_reason(agreement, rep):
    document = confirm(agreement, rep, ["1.00"])

    with pytest.raises(DomainError) as error:
        reverse_confirmation(actor=rep, document=document, reason="  ")

    assert error.value.code == "reason_required"


def test_rep_cannot_reverse_acknowledged(agreement, rep):
    document = confirm(agreement, rep, ["1.00"])
    acknowledge(actor=UserFactory(role=Role.FINANCE, team=None), document=document)
    document.refresh_from_db()

    with pytest.raises(PermissionDenied):
        reverse_confirmation(actor=rep, document=document, reason="重开")


def test_visibility_by_role(agreement, rep):
    document = confirm(agreement, rep, ["1.00"])
    manager = UserFactory(role=Role.MANAGER, team=rep.team)
    finance = UserFactory(role=Role.FINANCE, team=None)
    stranger = UserFactory(role=Role.REP)
    other_manager = UserFactory(role=Role.MANAGER)

    assert list(visible_confirmations(rep)) == [document]
    assert list(visible_confirmations(manager)) == [document]
    assert list(visible_confirmations(finance)) == [document]
    assert list(visible_confirmations(stranger)) == []
    assert list(visible_confirmations(other_manager)) == []


def test_second_small_confirmation_settles_on_sqlite_and_postgres():
    """A settlement of 19,200.03 - 19,200.00 must not trip a float comparison."""
    from decimal import Decimal

    from salespulse.rebates.services import confirm_rebate
    from tests.rebates.agreements import make_agreement

    agreement = make_agreement()
    product_ids = [product.pk for product in agreement.products.all()]
    actor = agreement.customer.owner
    period = agreement.effective_from

    confirm_rebate(actor=actor, agreement=agreement, period=period, product_ids=product_ids, payments=["600000.00"])
    second = confirm_rebate(actor=actor, agreement=agreement, period=period, product_ids=product_ids, payments=["1.00"])

    assert second.rebate_amount == Decimal("0.03")


def test_future_period_cannot_be_confirmed():
    import datetime as dt

    from salespulse.core.errors import DomainError
    from salespulse.rebates.services import confirm_rebate
    from tests.rebates.agreements import make_agreement

    agreement = make_agreement()
    product_ids = [product.pk for product in agreement.products.all()]

    with pytest.raises(DomainError) as error:
        confirm_rebate(actor=agreement.customer.owner, agreement=agreement, period=dt.date(2099, 12, 5),
                       product_ids=product_ids, payments=["100.00"])

    assert error.value.code == "period_in_future"
