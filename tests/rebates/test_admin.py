import pytest
from django.contrib.admin.sites import site

from salespulse.accounts.models import Role
from salespulse.rebates.models import RebateAgreement
from salespulse.rebates.services import confirm_rebate
from tests.factories import UserFactory
from tests.rebates.agreements import make_agreement

pytestmark = pytest.mark.django_db


def test_agreement_with_documents_is_read_only_in_admin(rf):
    agreement = make_agreement()
    admin_user = UserFactory(role=Role.ADMIN, team=None, region=None, is_staff=True, is_superuser=True)
    request = rf.get("/")
    request.user = admin_user
    model_admin = site._registry[RebateAgreement]

    assert model_admin.has_change_permission(request, agreement)

    confirm_rebate(actor=agreement.customer.owner, agreement=agreement, period=agreement.effective_from,
                   product_ids=[agreement.products.first().pk], payments=["600000.00"])

    assert not model_admin.has_change_permission(request, agreement)
    assert not model_admin.has_delete_permission(request, agreement)
