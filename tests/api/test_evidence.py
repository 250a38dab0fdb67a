import datetime as dt

import pytest
from django.utils import timezone

from salespulse.pipeline.models import Attachment, DocumentType, Objection, StageInterval
from tests.factories import make_opportunity
from tests.pipeline.gate_helpers import EVIDENCE

pytestmark = pytest.mark.django_db

T0 = timezone.now() - dt.timedelta(days=30)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def deal(org):
    return make_opportunity(owner=org.rep_a, stage_code="negotiation", created_at=T0)


def objections_path(opportunity):
    return f"/api/opportunities/{opportunity.pk}/objections"


def attachments_path(opportunity):
    return f"/api/opportunities/{opportunity.pk}/attachments"


def upload(client, opportunity, file_name, document_type="tech_confirmation"):
    with open(EVIDENCE / file_name, "rb") as handle:
        return client.upload(attachments_path(opportunity), document_type=document_type, file=handle)


def test_objection_is_recorded_in_current_stage(org, deal, api_as):
    response = api_as(org.rep_a).post(
        objections_path(deal),
        {
            "category": "price",
            "customer_words": "价格比竞品高百分之十五",
            "response": "提供三年免费保修",
            "raised_at": "2026-11-02T10:00:00",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["stage"]["code"] == "negotiation"
    assert body["category_label"] == "价格"
    assert body["raised_at"] == "2026-11-02T02:00:00Z"
    assert body["recorded_by"]["username"] == "rep_a"
    objection = Objection.objects.get()
    assert objection.response == "提供三年免费保修"
    assert objection.opportunity == deal


def test_objection_with_unknown_category_is_422(org, deal, api_as):
    response = api_as(org.rep_a).post(objections_path(deal), {"category": "mood", "customer_words": "再说吧"})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_objection_category"
    assert not Objection.objects.exists()


def test_objection_resolved_before_raised_is_422(org, deal, api_as):
    response = api_as(org.rep_a).post(
        objections_path(deal),
        {
            "category": "price",
            "customer_words": "太贵",
            "raised_at": "2026-11-02T10:00:00+08:00",
            "resolved_at": "2026-11-01T10:00:00+08:00",
        },
    )

    assert response.status_code == 422
    assert response.json()["field"] == "resolved_at"


def test_objections_are_listed_newest_first(org, deal, api_as):
    client = api_as(org.rep_a)
    for day, words in ((1, "太贵"), (3, "兼容性不确定")):
        client.post(
            objections_path(deal),
            {"category": "other", "customer_words": words, "raised_at": f"2026-11-0{day}T10:00:00+08:00"},
        )

    response = client.get(objections_path(deal))

    assert response.status_code == 200
    assert [item["customer_words"] for item in response.json()] == ["兼容性不确定", "太贵"]


def test_objection_response_is_saved(org, deal, api_as):
    client = api_as(org.rep_a)
    created = client.post(objections_path(deal), {"category": "price", "customer_words": "太贵"}).json()

    resolved_at = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).replace(microsecond=0)

    response = client.patch(
        f"{objections_path(deal)}/{created['id']}",
        {"response": "可分期付款", "resolved_at": resolved_at.isoformat()},
    )

    assert response.status_code == 200
    assert response.json()["response"] == "可分期付款"
    assert Objection.objects.get().resolved_at == resolved_at


def test_objection_resolved_in_future_is_rejected(org, deal, api_as):
    client = api_as(org.rep_a)
    created = client.post(objections_path(deal), {"category": "price", "customer_words": "太贵"}).json()

    response = client.patch(
        f"{objections_path(deal)}/{created['id']}",
        {"response": "可分期付款", "resolved_at": "2099-01-01T00:00:00Z"},
    )

    assert response.status_code == 422
    assert response.json()["code"] == "objection_time_in_future"


@pytest.mark.parametrize("role", ["rep_b", "rep_c", "rep_n"])
def test_evidence_of_unseen_deal_is_404(org, deal, api_as, role):
    client = api_as(getattr(org, role))

    listed = client.get(objections_path(deal))
    created = client.post(objections_path(deal), {"category": "price", "customer_words": "太贵"})
    uploaded = upload(client, deal, "signed_confirmation.pdf")

    assert listed.status_code == 404
    assert created.status_code == 404
    assert uploaded.status_code == 404
    assert not Objection.objects.exists()
    assert not Attachment.objects.exists()


def test_pdf_upload_is_stored_with_uploader(org, deal, api_as):
    response = upload(api_as(org.rep_a), deal, "signed_confirmation.pdf")

    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "pdf"
    assert body["document_type"]["code"] == "tech_confirmation"
    assert body["original_name"] == "signed_confirmation.pdf"
    assert body["uploaded_by"]["username"] == "rep_a"
    attachment = Attachment.objects.get()
    assert attachment.size == (EVIDENCE / "signed_confirmation.pdf").stat().st_size
    assert attachment.uploaded_by == org.rep_a


def test_exe_renamed_to_pdf_is_rejected(org, deal, api_as):
    response = upload(api_as(org.rep_a), deal, "setup_renamed.pdf")

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "attachment_type_not_allowed"
    assert body["field"] == "file"
    assert "setup_renamed.pdf" in body["message"]
    assert not Attachment.objects.exists()


def test_exe_renamed_to_pdf_message_in_english(org, deal, api_as):
    response = upload(api_as(org.rep_a, "en"), deal, "setup_renamed.pdf")

    assert response.json()["message"] == (
        "setup_renamed.pdf is not an allowed file: its content is not a recognised document, but "
        "技术参数确认书（签字扫描件） accepts PDF, JPEG, PNG. Upload a real PDF, JPEG or PNG scan."
    )


def test_oversized_upload_is_rejected(org, deal, api_as):
    DocumentType.objects.filter(code="tech_confirmation").update(max_bytes=100)

    response = upload(api_as(org.rep_a), deal, "signed_confirmation.pdf")

    assert response.status_code == 422
    assert response.json()["code"] == "attachment_too_large"
    assert not Attachment.objects.exists()


def test_unknown_document_type_is_422_in_chinese(org, deal, api_as):
    response = upload(api_as(org.rep_a), deal, "scan.png", document_type="passport")

    assert response.status_code == 422
    assert response.json() == {
        "code": "unknown_document_type",
        "message": "文档类型 passport 不存在；请使用以下之一：contract, quotation, tech_confirmation。",
        "field": "document_type",
    }


def test_attachments_are_listed(org, deal, api_as):
    client = api_as(org.rep_a)
    upload(client, deal, "scan.png")

    response = client.get(attachments_path(deal))

    assert response.status_code == 200
    assert [(item["original_name"], item["kind"]) for item in response.json()] == [("scan.png", "png")]


def test_evidence_opens_contract_gate_through_api(org, deal, api_as, stages):
    client = api_as(org.rep_a)
    blocked = client.post(f"/api/opportunities/{deal.pk}/move", {"stage": "contract_drafting"})
    upload(client, deal, "signed_confirmation.pdf")
    for words in ("价格偏高", "需要兼容现有PACS", "交货期太长"):
        client.post(objections_path(deal), {"category": "other", "customer_words": words, "response": "已答复"})

    moved = client.post(f"/api/opportunities/{deal.pk}/move", {"stage": "contract_drafting"})

    assert blocked.status_code == 422
    assert [item["code"] for item in blocked.json()["unmet"]] == ["attachment_missing", "objections_missing"]
    assert moved.status_code == 200
    assert StageInterval.objects.filter(opportunity=deal).count() == 2
