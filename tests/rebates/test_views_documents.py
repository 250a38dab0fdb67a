import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from salespulse.accounts.models import Role
from salespulse.rebates import services
from salespulse.rebates.export import safe_text
from salespulse.rebates.models import AuditAction, ConfirmationStatus, RebateConfirmation
from salespulse.rebates.pdf import render_confirmation_pdf
from salespulse.rebates.presenters import confirmation_sheet
from tests.factories import CustomerFactory, UserFactory
from tests.rebates.agreements import make_agreement
from tests.rebates.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 15, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rep():
    return UserFactory(username="rep.docs", role=Role.REP)


@pytest.fixture
def finance():
    return UserFactory(username="finance.docs", role=Role.FINANCE)


@pytest.fixture
def agreement(rep):
    return make_agreement(customer=CustomerFactory(name="江南医院", owner=rep))


def issue(agreement, actor, amount="600000.00", when=NOW) -> RebateConfirmation:
    return services.confirm_rebate(
        actor=actor,
        agreement=agreement,
        period=dt.date(2026, 12, 1),
        product_ids=list(agreement.products.values_list("pk", flat=True)),
        payments=[amount],
        customer=agreement.customer,
        now=when,
    )


def document_text(document) -> str:
    sheet = confirmation_sheet(document, verification_url="http://testserver/rebates/verify/X/")
    return pdf_text(render_confirmation_pdf(sheet, compress=False))


def sign_in(client, user, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


def test_document_detail_shows_amount_and_audit_log(client, rep, agreement):
    document = issue(agreement, rep)
    sign_in(client, rep)

    body = client.get(reverse("rebates:document_detail", args=[document.number])).content.decode()

    assert document.number in body
    assert 'data-testid="document-amount">¥19,200.00<' in body
    assert "Audit log" in body
    assert "2026-12-15 10:00:00" in body
    assert str(rep) in body


def test_document_detail_has_no_edit_endpoint(client, rep, agreement):
    document = issue(agreement, rep)
    sign_in(client, rep)
    response = client.post(reverse("rebates:document_detail", args=[document.number]), {"rebate_amount": "1"})
    assert response.status_code == 405


def test_document_of_other_rep_gives_404(client, rep, agreement):
    document = issue(agreement, rep)
    sign_in(client, UserFactory(username="rep.stranger", role=Role.REP))
    assert client.get(reverse("rebates:document_detail", args=[document.number])).status_code == 404
    assert client.get(reverse("rebates:document_pdf", args=[document.number])).status_code == 404


def test_document_pdf_response(client, rep, agreement):
    document = issue(agreement, rep)
    sign_in(client, rep)

    response = client.get(reverse("rebates:document_pdf", args=[document.number]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="{document.number}.pdf"' in response["Content-Disposition"]


def test_pdf_of_stored_document_contains_number_and_amount(rep, agreement):
    document = issue(agreement, rep)
    text = document_text(document)
    assert document.number in text
    assert "¥19,200.00" in text
    assert "销售脉搏示例公司"[0] in text


def test_pdf_uses_company_name_setting(rep, agreement, settings):
    settings.SALESPULSE_COMPANY_NAME = "江南医疗器械有限公司"
    document = issue(agreement, rep)
    sheet = confirmation_sheet(document, verification_url="http://testserver/rebates/verify/X/")
    assert sheet.company_name == "江南医疗器械有限公司"


def test_finance_acknowledges_document(client, rep, finance, agreement):
    document = issue(agreement, rep)
    sign_in(client, finance)

    response = client.post(reverse("rebates:acknowledge", args=[document.number]))

    document.refresh_from_db()
    assert response.status_code == 302
    assert document.status == ConfirmationStatus.ACKNOWLEDGED
    assert document.acknowledged_by == finance
    assert document.audit_events.filter(action=AuditAction.ACKNOWLEDGED, actor=finance).exists()


def test_rep_cannot_acknowledge(client, rep, agreement):
    document = issue(agreement, rep)
    sign_in(client, rep)

    client.post(reverse("rebates:acknowledge", args=[document.number]))

    document.refresh_from_db()
    assert document.status == ConfirmationStatus.CONFIRMED
    assert document.acknowledged_by is None


def test_finance_reverses_document(client, rep, finance, agreement):
    document = issue(agreement, rep)
    sign_in(client, finance)

    response = client.post(reverse("rebates:reverse", args=[document.number]), {"reason": "回款金额录错"})

    document.refresh_from_db()
    reversal = document.reversed_by
    assert response["Location"] == reverse("rebates:document_detail", args=[reversal.number])
    assert document.status == ConfirmationStatus.REVERSED
    assert reversal.rebate_amount == Decimal("-19200.00")
    body = client.get(response["Location"]).content.decode()
    assert "This document reverses" in body
    assert document.number in body


def test_reversed_pdf_is_marked_and_reversal_references_original(rep, finance, agreement):
    document = issue(agreement, rep)
    reversal = services.reverse_confirmation(actor=finance, document=document, reason="重复确认")
    document.refresh_from_db()

    with translation.override("en"):
        original_text = document_text(document)
        reversal_text = document_text(reversal)

    assert f"Reversed by document {reversal.number}." in original_text
    assert document.number in reversal_text
    assert "¥-19,200.00" in reversal_text


def test_reverse_without_reason_changes_nothing(client, rep, finance, agreement):
    document = issue(agreement, rep)
    sign_in(client, finance)
    client.post(reverse("rebates:reverse", args=[document.number]), {"reason": ""})
    document.refresh_from_db()
    assert document.status == ConfirmationStatus.CONFIRMED
    assert RebateConfirmation.objects.count() == 1


# --- lists ----------------------------------------------------------------------------


def test_finance_list_forbidden_for_rep(client, rep):
    sign_in(client, rep)
    assert client.get(reverse("rebates:finance")).status_code == 403


def test_finance_sees_every_document_newest_first(client, rep, finance, agreement):
    other_rep = UserFactory(username="rep.two", role=Role.REP)
    other = make_agreement(customer=CustomerFactory(name="北京协和医院", owner=other_rep), code="RB-XH")
    first = issue(agreement, rep, when=NOW - dt.timedelta(hours=2))
    second = issue(other, other_rep, when=NOW - dt.timedelta(hours=1))
    sign_in(client, finance)

    body = client.get(reverse("rebates:finance")).content.decode()

    assert body.index(second.number) < body.index(first.number)
    assert 'hx-trigger="every 5s"' in body


def test_my_documents_shows_only_own_customers(client, rep, agreement):
    other_rep = UserFactory(username="rep.two", role=Role.REP)
    other = make_agreement(customer=CustomerFactory(name="北京协和医院", owner=other_rep), code="RB-XH")
    mine = issue(agreement, rep)
    theirs = issue(other, other_rep)
    sign_in(client, rep)

    body = client.get(reverse("rebates:my_documents")).content.decode()

    assert mine.number in body
    assert theirs.number not in body


def test_finance_list_fragment_for_polling(client, rep, finance, agreement):
    sign_in(client, finance)
    before = client.get(reverse("rebates:finance"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="document-results")
    document = issue(agreement, rep)
    after = client.get(reverse("rebates:finance"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="document-results")

    assert "<html" not in after.content.decode()
    assert document.number not in before.content.decode()
    assert document.number in after.content.decode()
    assert 'id="document-results"' in after.content.decode()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "acknowledged"}, ["first"]),
        ({"status": "confirmed"}, ["second"]),
        ({"customer": "协和"}, ["second"]),
        ({"date_from": "2026-12-14", "date_to": "2026-12-14"}, ["first"]),
        ({"date_from": "2026-12-15"}, ["second"]),
    ],
)
def test_finance_list_filters(client, rep, finance, agreement, filters, expected):
    other = make_agreement(customer=CustomerFactory(name="北京协和医院", owner=rep), code="RB-XH")
    documents = {
        # 23:30 on 14 December in Shanghai, so the local date differs from the UTC date.
        "first": issue(agreement, rep, when=dt.datetime(2026, 12, 14, 15, 30, tzinfo=dt.UTC)),
        "second": issue(other, rep, when=NOW),
    }
    services.acknowledge(actor=finance, document=documents["first"])
    sign_in(client, finance)

    body = client.get(reverse("rebates:finance"), filters).content.decode()

    for name, document in documents.items():
        assert (document.number in body) == (name in expected), name


def test_finance_list_filter_by_number(client, rep, finance, agreement):
    first = issue(agreement, rep)
    second = issue(agreement, rep, amount="500000.00")
    sign_in(client, finance)
    body = client.get(reverse("rebates:finance"), {"number": second.number}).content.decode()
    assert second.number in body
    assert first.number not in body


def test_finance_list_query_count(client, rep, finance, agreement, django_assert_num_queries):
    for index in range(8):
        issue(agreement, rep, amount=f"{index + 1}0000.00")
    sign_in(client, finance)
    client.get(reverse("rebates:finance"))

    # session, user, count, page of documents with their joins
    with django_assert_num_queries(4):
        response = client.get(reverse("rebates:finance"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="document-results")
    assert response.content.decode().count('data-number="') == 8


def test_export_has_numeric_amounts_and_local_times(client, rep, finance, agreement):
    document = issue(agreement, rep)
    services.acknowledge(actor=finance, document=document)
    sign_in(client, finance)

    response = client.get(reverse("rebates:finance_export"))

    sheet = load_workbook(io.BytesIO(response.content)).active
    row = [cell.value for cell in sheet[2]]
    assert row[0] == document.number
    assert row[1] == dt.datetime(2026, 12, 15, 10, 0)
    assert row[2] == "江南医院"
    assert row[5] == 600000
    assert row[6] == 19200
    assert sheet.cell(2, 7).number_format == "#,##0.00"
    assert row[8] == str(finance)


def test_export_escapes_formula_text(client, rep, finance):
    agreement = make_agreement(customer=CustomerFactory(name="=HYPERLINK(\"http://x\")", owner=rep))
    issue(agreement, rep)
    sign_in(client, finance)

    sheet = load_workbook(io.BytesIO(client.get(reverse("rebates:finance_export")).content)).active

    assert sheet.cell(2, 3).value == "'=HYPERLINK(\"http://x\")"


@pytest.mark.parametrize("text", ["=1+1", "+86", "-5", "@SUM(A1)"])
def test_safe_text_prefixes_formula_starts(text):
    assert safe_text(text) == "'" + text


def test_export_forbidden_for_rep(client, rep):
    sign_in(client, rep)
    assert client.get(reverse("rebates:finance_export")).status_code == 403


def test_export_query_count(client, rep, finance, agreement, django_assert_num_queries):
    for index in range(5):
        issue(agreement, rep, amount=f"{index + 1}0000.00")
    sign_in(client, finance)
    client.get(reverse("rebates:finance"))

    with django_assert_num_queries(3):
        client.get(reverse("rebates:finance_export"))
