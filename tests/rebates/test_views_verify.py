import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from salespulse.accounts.models import Role
from salespulse.rebates import services
from salespulse.rebates.models import RebateConfirmation
from tests.factories import CustomerFactory, UserFactory
from tests.rebates.agreements import make_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def document():
    rep = UserFactory(username="rep.verify", role=Role.REP)
    agreement = make_agreement(customer=CustomerFactory(name="江南医院", owner=rep))
    return services.confirm_rebate(
        actor=rep,
        agreement=agreement,
        period=dt.date(2026, 12, 1),
        product_ids=list(agreement.products.values_list("pk", flat=True)),
        payments=["600000.00"],
        customer=agreement.customer,
        now=dt.datetime(2026, 12, 15, 2, 0, tzinfo=dt.UTC),
    )


def tamper(document: RebateConfirmation) -> None:
    """Change one byte of the stored signed content: 600000.00 becomes 600001.00."""
    payload = document.signed_payload.replace("600000.00", "600001.00", 1)
    assert payload != document.signed_payload
    RebateConfirmation.objects.filter(pk=document.pk).update(signed_payload=payload)


def get_verify(client, code, language="en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("rebates:verify", args=[code]))


def test_authentic_document_verifies_without_sign_in(client, document):
    response = get_verify(client, document.verification_code)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Verified: authentic and unaltered" in body
    assert document.number in body
    assert "¥19,200.00" in body


def test_code_typed_in_lower_case_verifies(client, document):
    body = get_verify(client, document.verification_code.lower()).content.decode()
    assert "Verified: authentic and unaltered" in body


def test_changed_byte_fails_verification(client, document):
    tamper(document)
    body = get_verify(client, document.verification_code).content.decode()
    assert "Verification FAILED" in body
    assert "the document was altered" in body
    assert "¥19,200.00" not in body


def test_changed_byte_fails_verification_in_chinese(client, document):
    """Needs the merged zh_Hans catalogue of the rebates app."""
    tamper(document)
    body = get_verify(client, document.verification_code, language="zh-hans").content.decode()
    assert "验证失败" in body


def test_unknown_code_fails_verification(client, document):
    response = get_verify(client, "AAAAAAAAAAAA")
    assert response.status_code == 404
    assert "Verification FAILED" in response.content.decode()


def test_document_number_is_not_accepted_as_code(client, document):
    body = get_verify(client, document.number).content.decode()
    assert "Verification FAILED" in body
    assert "江南医院" not in body


def test_verify_form_redirects_to_code_page(client, document):
    response = client.get(reverse("rebates:verify_form"), {"code": document.verification_code.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("rebates:verify", args=[document.verification_code])


def test_verify_form_page_opens_without_sign_in(client):
    response = client.get(reverse("rebates:verify_form"))
    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()
