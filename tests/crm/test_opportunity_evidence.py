"""The evidence section of the opportunity page: attachments, objections, gate checklist."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from salespulse.pipeline.evidence import record_objection
from salespulse.pipeline.models import Attachment, DocumentType, Objection, ObjectionCategory
from tests.factories import make_opportunity
from tests.personas import EXPECTED_VISIBLE_OWNERS, OWNING_USERS, build_workspace
from tests.pipeline.gate_helpers import EVIDENCE

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def page_url(opportunity) -> str:
    return reverse("crm:opportunity_detail", args=[opportunity.pk])


def upload_url(opportunity) -> str:
    return reverse("crm:opportunity_attachment_add", args=[opportunity.pk])


def objection_url(opportunity) -> str:
    return reverse("crm:opportunity_objection_add", args=[opportunity.pk])


def evidence_file(name: str, upload_name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(upload_name or name, (EVIDENCE / name).read_bytes(), "application/pdf")


# Finance may read every deal but change none of them.
READ_ONLY_PERSONAS = {"finance"}


def expected_status(visible: bool, changes: bool) -> int:
    """Return 302 for a saved change, 400 for a refused one, 404 for a hidden deal."""
    if not visible:
        return 404
    if changes:
        return 302
    return 400


def tech_confirmation() -> DocumentType:
    return DocumentType.objects.get(code="tech_confirmation")


def upload(client, opportunity, name="signed_confirmation.pdf", upload_name=None):
    return client.post(
        upload_url(opportunity),
        {"document_type": tech_confirmation().pk, "file": evidence_file(name, upload_name)},
    )


@pytest.mark.parametrize("persona", sorted(EXPECTED_VISIBLE_OWNERS))
def test_upload_only_on_visible_opportunities(client, persona):
    workspace = build_workspace()
    user = workspace.users[persona]
    client.force_login(user)

    for owner in OWNING_USERS:
        opportunity = workspace.opportunities[owner]
        response = upload(client, opportunity)
        visible = owner in EXPECTED_VISIBLE_OWNERS[persona]
        changes = visible and persona not in READ_ONLY_PERSONAS
        assert response.status_code == expected_status(visible, changes), (persona, owner)
        assert Attachment.objects.filter(opportunity=opportunity).count() == (1 if changes else 0)


@pytest.mark.parametrize("persona", sorted(EXPECTED_VISIBLE_OWNERS))
def test_objection_only_on_visible_opportunities(client, persona):
    workspace = build_workspace()
    client.force_login(workspace.users[persona])

    for owner in OWNING_USERS:
        opportunity = workspace.opportunities[owner]
        response = client.post(
            objection_url(opportunity),
            {"category": ObjectionCategory.PRICE, "customer_words": "太贵了", "response": "可分期"},
        )
        visible = owner in EXPECTED_VISIBLE_OWNERS[persona]
        changes = visible and persona not in READ_ONLY_PERSONAS
        assert response.status_code == expected_status(visible, changes), (persona, owner)
        assert Objection.objects.filter(opportunity=opportunity).count() == (1 if changes else 0)


@pytest.mark.parametrize("persona", sorted(EXPECTED_VISIBLE_OWNERS))
def test_objection_response_only_on_visible_opportunities(client, persona):
    workspace = build_workspace()
    client.force_login(workspace.users[persona])

    for owner in OWNING_USERS:
        opportunity = workspace.opportunities[owner]
        objection = record_objection(
            actor=workspace.users[owner], opportunity=opportunity,
            category=ObjectionCategory.PRICE, customer_words="太贵了",
        )
        response = client.post(
            reverse("crm:objection_respond", args=[opportunity.pk, objection.pk]),
            {"response": "给出分期方案", "resolved": "on"},
        )
        visible = owner in EXPECTED_VISIBLE_OWNERS[persona]
        changes = visible and persona not in READ_ONLY_PERSONAS
        # The respond form redirects back to the page, with an error message when refused.
        assert response.status_code == (302 if visible else 404), (persona, owner)
        objection.refresh_from_db()
        assert objection.response == ("给出分期方案" if changes else "")
        assert (objection.resolved_at is not None) is changes


def test_upload_keeps_uploader_and_size(client):
    opportunity = make_opportunity()
    client.force_login(opportunity.owner)

    response = upload(client, opportunity)

    assert response.status_code == 302
    assert response["Location"].endswith("#evidence")
    attachment = Attachment.objects.get(opportunity=opportunity)
    assert attachment.uploaded_by == opportunity.owner
    assert attachment.original_name == "signed_confirmation.pdf"
    assert attachment.size == (EVIDENCE / "signed_confirmation.pdf").stat().st_size
    assert attachment.kind == "pdf"


def test_renamed_exe_upload_is_rejected(client, english):
    opportunity = make_opportunity()
    client.force_login(opportunity.owner)

    response = upload(client, opportunity, "setup_renamed.pdf")

    assert response.status_code == 400
    assert Attachment.objects.filter(opportunity=opportunity).count() == 0
    assert (
        "setup_renamed.pdf is not an allowed file: its content is not a recognised document"
        in response.content.decode()
    )


def test_renamed_exe_upload_message_is_chinese(client):
    opportunity = make_opportunity()
    client.force_login(opportunity.owner)

    response = upload(client, opportunity, "setup_renamed.pdf")

    assert "setup_renamed.pdf 不是允许的文件" in response.content.decode()


def test_objection_without_words_is_rejected(client, english):
    opportunity = make_opportunity()
    client.force_login(opportunity.owner)

    response = client.post(objection_url(opportunity), {"category": "price", "customer_words": " "})

    assert response.status_code == 400
    assert Objection.objects.count() == 0


def test_page_lists_attachments_and_objections(client):
    opportunity = make_opportunity()
    client.force_login(opportunity.owner)
    upload(client, opportunity)
    client.post(objection_url(opportunity), {"category": "price", "customer_words": "价格偏高", "response": "提供分期"})

    html = client.get(page_url(opportunity)).content.decode()

    assert "signed_confirmation.pdf" in html
    assert 'data-document-type="tech_confirmation"' in html
    assert "价格偏高" in html
    assert "提供分期" in html


def test_upload_link_preselects_document_type(client):
    opportunity = make_opportunity()
    client.force_login(opportunity.owner)

    response = client.get(page_url(opportunity) + "?document_type=tech_confirmation")

    assert response.context["attachment_form"].initial["document_type"] == tech_confirmation().pk


def test_next_stage_box_shows_contract_gate(client, stages):
    opportunity = make_opportunity(stage_code="solution_demo")
    client.force_login(opportunity.owner)
    upload(client, opportunity)

    response = client.get(page_url(opportunity))

    following, checklist = response.context["checklists"]
    assert following.to_stage == stages["tech_evaluation"]
    assert following.requirements == []
    assert checklist.to_stage == stages["contract_drafting"]
    assert [requirement.met for requirement in checklist.requirements] == [True, False]
    assert checklist.requirements[1].unmet[0].code == "objections_missing"
    html = response.content.decode()
    assert 'href="#objection-add"' in html
