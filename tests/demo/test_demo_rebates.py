import pytest

from salespulse.accounts.models import User
from salespulse.demo.reference import SMALL
from salespulse.demo.services import delete_demo_workspace, generate_demo_workspace
from salespulse.rebates.models import RebateAgreement, RebateConfirmation
from salespulse.rebates.services import confirm_rebate

pytestmark = pytest.mark.django_db


def test_demo_rep_has_agreements_and_reset_removes_documents():
    workspace = generate_demo_workspace(size=SMALL)
    rep = User.objects.get(username="demo-rep")
    agreement = RebateAgreement.objects.filter(customer__owner=rep).first()

    assert workspace.row_counts["rebate_agreements"] == RebateAgreement.objects.count() > 0
    document = confirm_rebate(
        actor=rep, agreement=agreement, period=agreement.effective_from,
        product_ids=[agreement.products.first().pk], payments=["600000.00"],
    )
    assert document.rebate_amount > 0

    delete_demo_workspace()

    assert not RebateConfirmation.objects.exists()
    assert not RebateAgreement.objects.exists()
