import datetime as dt
import stat

import pytest
from django.core.management import call_command
from django.utils import translation

from salespulse.accounts.models import Role
from salespulse.rebates import signing
from salespulse.rebates.models import RebateConfirmation, RebateSigningKey
from salespulse.rebates.services import confirm_rebate
from tests.factories import CustomerFactory, UserFactory
from tests.rebates.agreements import make_agreement

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 20, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def document():
    rep = UserFactory(role=Role.REP)
    agreement = make_agreement(customer=CustomerFactory(owner=rep))
    return confirm_rebate(
        actor=rep,
        agreement=agreement,
        period=NOW.date(),
        product_ids=list(agreement.products.values_list("pk", flat=True)),
        payments=["600000.00"],
        now=NOW,
    )


def test_confirmed_document_verifies(document):
    result = signing.verify(document.verification_code)

    assert result.status == signing.AUTHENTIC
    assert result.document == document


def test_verify_by_loose_code(document):
    loose = document.verification_code.lower()[:4] + "-" + document.verification_code.lower()[4:]

    assert signing.verify(loose).is_authentic


def test_public_verify_rejects_sequential_number(document):
    assert signing.verify(document.number).status == signing.UNKNOWN
    assert signing.verify(document.number, allow_number=True).is_authentic


def test_one_changed_byte_fails(document):
    payload = document.signed_payload
    position = payload.index("19200.00")
    altered = payload[:position] + "9" + payload[position + 1 :]
    RebateConfirmation.objects.filter(pk=document.pk).update(signed_payload=altered)

    with translation.override("en"):
        result = signing.verify(document.verification_code)

    assert result.status == signing.TAMPERED
    assert result.reason == "The signature does not match the content: the document was altered."


def test_edited_amount_fails(document):
    RebateConfirmation.objects.filter(pk=document.pk).update(
        rebate_amount="29200.00", rebate_total_for_period="29200.00"
    )

    result = signing.verify(document.verification_code)

    assert result.status == signing.TAMPERED


def test_altered_presented_payload_fails(document):
    altered = document.signed_payload.replace("600000.00", "700000.00")

    assert signing.verify(document.verification_code, altered).status == signing.TAMPERED
    assert signing.verify(document.verification_code, document.signed_payload).is_authentic


def test_unknown_code():
    assert signing.verify("AAAAAAAAAAAA").status == signing.UNKNOWN


def test_payload_is_canonical(document):
    payload = document.signed_payload

    assert payload == signing.canonical_json(signing.document_payload(document))
    assert '"rebate_amount":"19200.00"' in payload
    assert '"confirmed_at":"2026-05-20T02:00:00Z"' in payload
    assert ": " not in payload


def test_old_documents_verify_after_rotation(document, settings, tmp_path):
    settings.SALESPULSE_SIGNING_KEY_FILE = str(tmp_path / "rotating.pem")
    signing.load_or_create_private_key()

    new_key = signing.rotate_key()

    assert new_key.key_id != document.key_id
    assert signing.verify(document.verification_code).is_authentic
    assert RebateSigningKey.objects.filter(retired_at__isnull=True).get() == new_key


def test_generated_key_file_is_private(settings, tmp_path):
    settings.SALESPULSE_SIGNING_KEY_FILE = None
    settings.VAR_DIR = tmp_path

    signer = signing.Ed25519FileSigner()

    path = tmp_path / "keys" / f"rebate-signing-{signer.key_id}.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert RebateSigningKey.objects.filter(key_id=signer.key_id, retired_at__isnull=True).exists()


def test_keygen_and_rotate_commands(settings, tmp_path, capsys):
    settings.SALESPULSE_SIGNING_KEY_FILE = None
    settings.VAR_DIR = tmp_path

    call_command("rebates", "keygen")
    first = RebateSigningKey.objects.get()
    call_command("rebates", "rotate-key")

    assert RebateSigningKey.objects.count() == 2
    assert RebateSigningKey.objects.get(pk=first.pk).retired_at is not None
    assert len(list((tmp_path / "keys").glob("rebate-signing-*.pem"))) == 2


def test_renamed_customer_and_product_keep_document_authentic(document):
    signed_name = document.customer.name
    document.customer.name = "改名后的医院"
    document.customer.save()
    product = document.products.first()
    product.name = "改名后的产品"
    product.save()

    result = signing.verify(document.verification_code)

    assert result.is_authentic
    assert signing.signed_snapshot(document)["customer"]["name"] == signed_name


def test_renamed_customer_does_not_change_pdf_sheet(document):
    from salespulse.rebates.presenters import confirmation_sheet

    signed_name = document.customer.name
    document.customer.name = "改名后的医院"
    document.customer.save()

    sheet = confirmation_sheet(RebateConfirmation.objects.get(pk=document.pk), verification_url="/x/")

    assert sheet.customer_name == signed_name
