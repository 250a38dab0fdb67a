import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from salespulse.accounts.models import Role
from salespulse.pipeline.gate_presenters import describe_rule
from salespulse.pipeline.models import DocumentType, StageGate
from tests.factories import UserFactory
from tests.pipeline.gate_helpers import WON_GATE, set_gate

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("pipeline:config_settings_default")

# The example from the gates module, entered through the editor: two fields and a group.
EDITOR_POST = {
    "combinator": "all",
    "enabled": "1",
    "row": ["1", "2", "3"],
    "c-1-kind": "field",
    "c-1-field": "won_amount",
    "c-1-op": "gt",
    "c-1-value": "0",
    "c-2-kind": "field",
    "c-2-field": "signed_date",
    "c-2-op": "present",
    "c-2-value": "",
    "c-3-kind": "group",
    "c-3-combinator": "any",
    "c-3-row": ["1", "2"],
    "c-3-1-kind": "attachment",
    "c-3-1-document_type": "tech_confirmation",
    "c-3-1-min": "1",
    "c-3-2-kind": "checklist",
    "c-3-2-code": "hq_waiver",
    "c-3-2-label": "总部已书面豁免",
    "c-3-2-label_en": "HQ waived it in writing",
    "action": "save",
}
EXPECTED_RULE = {
    "all": [
        {"type": "field", "field": "won_amount", "op": "gt", "value": "0"},
        {"type": "field", "field": "signed_date", "op": "present"},
        {
            "any": [
                {"type": "attachment", "document_type": "tech_confirmation", "min": 1},
                {
                    "type": "checklist",
                    "code": "hq_waiver",
                    "label": "总部已书面豁免",
                    "label_en": "HQ waived it in writing",
                },
            ]
        },
    ]
}


@pytest.fixture
def ops(db):
    return UserFactory(username="ops", role=Role.OPS, team=None, region=None)


def in_english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def edit_url(stage) -> str:
    return reverse("pipeline:config_gate_edit", args=[stage.pipeline.code, stage.code])


def test_ops_saves_gate_through_editor(client, ops, stages):
    client.force_login(ops)

    response = client.post(edit_url(stages["won"]), EDITOR_POST)

    assert response.status_code == 302
    gate = StageGate.objects.get(stage=stages["won"])
    assert gate.rule == EXPECTED_RULE
    assert gate.enabled is True
    assert gate.updated_by == ops


def test_saved_rule_reopens_in_editor(client, ops, stages):
    client.force_login(ops)
    client.post(edit_url(stages["won"]), EDITOR_POST)

    response = client.get(edit_url(stages["won"]))

    editor = response.context["editor"]
    assert editor.combinator == "all"
    assert [row.kind for row in editor.rows] == ["field", "field", "group"]
    assert [child.kind for child in editor.rows[2].children] == ["attachment", "checklist"]
    assert editor.rows[2].combinator == "any"


def test_enabling_gate_sets_enabled_at(client, ops, stages):
    client.force_login(ops)
    client.post(edit_url(stages["won"]), {**EDITOR_POST, "enabled": ""})
    assert StageGate.objects.get(stage=stages["won"]).enabled_at is None

    before = timezone.now()
    client.post(edit_url(stages["won"]), EDITOR_POST)

    gate = StageGate.objects.get(stage=stages["won"])
    assert gate.enabled is True
    assert gate.enabled_at >= before


def test_saving_enabled_gate_again_keeps_enabled_at(client, ops, stages):
    earlier = timezone.now() - dt.timedelta(days=30)
    gate = set_gate(stages["won"], WON_GATE)
    StageGate.objects.filter(pk=gate.pk).update(enabled_at=earlier)
    client.force_login(ops)

    client.post(edit_url(stages["won"]), EDITOR_POST)

    gate.refresh_from_db()
    assert gate.rule == EXPECTED_RULE
    assert gate.enabled_at == earlier


def test_invalid_amount_shows_error_at_row(client, ops, stages):
    client.force_login(ops)

    in_english(client)
    response = client.post(edit_url(stages["won"]), {**EDITOR_POST, "c-1-value": "很多"})

    assert response.status_code == 422
    editor = response.context["editor"]
    assert (
        editor.rows[0].error
        == "The gate rule is invalid at $.all[0].value: 很多 is not a decimal number."
    )
    assert editor.rows[1].error == ""
    assert "很多 is not a decimal number." in response.content.decode()
    assert not StageGate.objects.filter(stage=stages["won"]).exists()


def test_invalid_amount_error_in_chinese(client, ops, stages):
    client.force_login(ops)

    response = client.post(edit_url(stages["won"]), {**EDITOR_POST, "c-1-value": "很多"})

    assert (
        response.context["editor"].rows[0].error
        == "阶段推进校验规则在 $.all[0].value 处无效：很多 不是十进制数字。"
    )


def test_compared_date_field_error_in_nested_row(client, ops, stages):
    client.force_login(ops)
    data = {
        **EDITOR_POST,
        "c-3-row": ["1", "2", "3"],
        "c-3-3-kind": "field",
        "c-3-3-field": "signed_date",
        "c-3-3-op": "gt",
        "c-3-3-value": "5",
    }

    in_english(client)
    response = client.post(edit_url(stages["won"]), data)

    assert response.status_code == 422
    group = response.context["editor"].rows[2]
    assert group.children[2].error == (
        "The gate rule is invalid at $.all[2].any[2]: "
        "field signed_date can only be required, not compared."
    )
    assert not StageGate.objects.filter(stage=stages["won"]).exists()


def test_missing_comparison_amount_is_field_error(client, ops, stages):
    client.force_login(ops)

    in_english(client)
    response = client.post(edit_url(stages["won"]), {**EDITOR_POST, "c-1-value": ""})

    assert response.status_code == 422
    form = response.context["editor"].rows[0].form
    assert form.errors["value"] == ["Enter the amount to compare with, such as 0."]
    assert not StageGate.objects.filter(stage=stages["won"]).exists()


def test_empty_group_is_rejected(client, ops, stages):
    client.force_login(ops)
    data = {key: value for key, value in EDITOR_POST.items() if not key.startswith("c-3-")}
    data.update({"c-3-kind": "group", "c-3-combinator": "any"})

    in_english(client)
    response = client.post(edit_url(stages["won"]), data)

    assert response.status_code == 422
    assert response.context["editor"].rows[2].error == (
        "A group needs at least one condition; add one or remove the group."
    )
    assert not StageGate.objects.filter(stage=stages["won"]).exists()


def test_add_row_keeps_typed_values(client, ops, stages):
    client.force_login(ops)

    response = client.post(edit_url(stages["won"]), {**EDITOR_POST, "action": "add:objections"})

    assert response.status_code == 200
    editor = response.context["editor"]
    assert [row.key for row in editor.rows] == ["1", "2", "3", "4"]
    assert editor.rows[3].kind == "objections"
    assert editor.rows[0].form.initial["value"] == "0"
    assert not StageGate.objects.filter(stage=stages["won"]).exists()


def test_add_row_to_group(client, ops, stages):
    client.force_login(ops)

    response = client.post(edit_url(stages["won"]), {**EDITOR_POST, "action": "add:field:3"})

    group = response.context["editor"].rows[2]
    assert [child.key for child in group.children] == ["3-1", "3-2", "3-3"]


def test_remove_row(client, ops, stages):
    client.force_login(ops)

    response = client.post(edit_url(stages["won"]), {**EDITOR_POST, "action": "remove:3-1"})

    group = response.context["editor"].rows[2]
    assert [child.key for child in group.children] == ["3-2"]


def test_htmx_add_returns_editor_fragment(client, ops, stages):
    client.force_login(ops)

    response = client.post(
        edit_url(stages["won"]), {**EDITOR_POST, "action": "add:checklist"}, HTTP_HX_REQUEST="true"
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<form method="post" id="gate-editor"')
    assert 'name="c-4-code"' in body


def test_htmx_save_redirects_client(client, ops, stages):
    client.force_login(ops)

    response = client.post(edit_url(stages["won"]), EDITOR_POST, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("pipeline:config_settings", args=["medical_device"])
    assert StageGate.objects.get(stage=stages["won"]).rule == EXPECTED_RULE


@pytest.mark.parametrize("role", [Role.REP, Role.MANAGER, Role.DIRECTOR, Role.FINANCE])
def test_non_ops_user_gets_403(client, stages, role):
    client.force_login(UserFactory(role=role))

    responses = [
        client.get(SETTINGS_URL),
        client.get(edit_url(stages["won"])),
        client.post(edit_url(stages["won"]), EDITOR_POST),
        client.get(reverse("pipeline:config_document_types")),
        client.get(reverse("pipeline:config_templates")),
    ]

    assert [response.status_code for response in responses] == [403] * 5
    assert not StageGate.objects.filter(stage=stages["won"]).exists()


def test_admin_may_open_settings(client, stages):
    client.force_login(UserFactory(role=Role.ADMIN, team=None, region=None))

    assert client.get(SETTINGS_URL).status_code == 200


def test_settings_page_lists_stages_with_gates(client, ops, stages):
    client.force_login(ops)

    in_english(client)
    response = client.get(SETTINGS_URL)

    rows = {row.stage.code: row for row in response.context["rows"]}
    assert list(rows) == [
        "initial_contact",
        "needs_analysis",
        "solution_demo",
        "tech_evaluation",
        "negotiation",
        "contract_drafting",
        "won",
        "lost",
    ]
    assert rows["won"].gate is None
    assert rows["contract_drafting"].gate.enabled is True
    assert rows["contract_drafting"].summary == (
        "All of: 1 × 技术参数确认书（签字扫描件） uploaded; at least 3 objections with a response"
    )


def test_settings_page_summary_in_chinese(client, ops, stages):
    client.force_login(ops)

    response = client.get(SETTINGS_URL)

    rows = {row.stage.code: row for row in response.context["rows"]}
    assert (
        rows["contract_drafting"].summary
        == "全部满足：已上传 1 份技术参数确认书（签字扫描件）；至少 3 条已回应的客户异议"
    )


def test_settings_page_query_count(client, ops, stages, django_assert_num_queries):
    set_gate(stages["won"], WON_GATE)
    client.force_login(ops)
    client.get(SETTINGS_URL)

    # session, user, pipeline, pipeline list, document type names, stages with gates
    with django_assert_num_queries(6):
        response = client.get(SETTINGS_URL)

    assert response.status_code == 200


def test_switch_gate_off_and_on(client, ops, stages):
    gate = set_gate(stages["won"], WON_GATE)
    StageGate.objects.filter(pk=gate.pk).update(enabled_at=None)
    switch_url = reverse("pipeline:config_gate_switch", args=["medical_device", "won"])
    client.force_login(ops)

    client.post(switch_url, {"enabled": "0"})
    gate.refresh_from_db()
    assert (gate.enabled, gate.enabled_at) == (False, None)

    client.post(switch_url, {"enabled": "1"})
    gate.refresh_from_db()
    assert gate.enabled is True
    assert gate.enabled_at is not None
    assert gate.rule == WON_GATE


def test_describe_rule_of_nested_group_in_english(db):
    with override("en"):
        summary = describe_rule(EXPECTED_RULE, {"tech_confirmation": "技术参数确认书"})

    assert summary == (
        "All of: Won amount greater than (>) 0; Signing date is filled in; "
        "one of (1 × 技术参数确认书 uploaded; confirmed: HQ waived it in writing)"
    )


def test_document_type_created_with_megabyte_limit(client, ops):
    client.force_login(ops)

    response = client.post(
        reverse("pipeline:config_document_type_create"),
        {
            "code": "site_photo",
            "name": "现场照片",
            "name_en": "Site photo",
            "allowed_kinds": ["jpeg", "png"],
            "max_megabytes": "2.5",
        },
    )

    assert response.status_code == 302
    item = DocumentType.objects.get(code="site_photo")
    assert (item.name, item.allowed_kinds, item.max_bytes) == ("现场照片", "jpeg,png", 2621440)


def test_document_type_edit_keeps_code_and_exact_size(client, ops):
    item = DocumentType.objects.create(code="odd", name="旧名", max_bytes=1500000)
    client.force_login(ops)

    client.post(
        reverse("pipeline:config_document_type_edit", args=[item.pk]),
        {"code": "renamed", "name": "新名", "allowed_kinds": ["pdf"], "max_megabytes": "1.43"},
    )

    item.refresh_from_db()
    assert (item.code, item.name, item.allowed_kinds, item.max_bytes) == (
        "odd",
        "新名",
        "pdf",
        1500000,
    )


def test_document_type_without_kinds_is_rejected(client, ops):
    client.force_login(ops)

    in_english(client)
    response = client.post(
        reverse("pipeline:config_document_type_create"),
        {"code": "site_photo", "name": "现场照片", "max_megabytes": "2"},
    )

    assert response.status_code == 422
    assert "allowed_kinds" in response.context["form"].errors
    assert not DocumentType.objects.filter(code="site_photo").exists()


def test_document_type_list_shows_megabytes(client, ops):
    client.force_login(ops)

    response = client.get(reverse("pipeline:config_document_types"))

    assert response.status_code == 200
    assert "tech_confirmation" in response.content.decode()
    assert "10.00" in response.content.decode()


@pytest.mark.parametrize(
    "tampered",
    [{"c-1-kind": "__import__"}, {"combinator": "xor"}, {"c-3-combinator": "none"}, {"c-3-1-kind": "eval"}],
)
def test_unknown_kind_or_combinator_is_not_saved(client, ops, stages, tampered):
    client.force_login(ops)
    in_english(client)

    response = client.post(edit_url(stages["won"]), {**EDITOR_POST, **tampered})

    assert response.status_code == 422
    assert "unknown condition types or combinators" in response.context["editor"].error
    assert not StageGate.objects.filter(stage=stages["won"]).exists()
