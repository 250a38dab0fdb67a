import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation import override

from salespulse.accounts.models import Role
from salespulse.core.errors import DomainError, PermissionDenied
from salespulse.pipeline.gate_config import configure_gate, save_document_type, set_gate_enabled
from salespulse.pipeline.models import DocumentType, StageGate
from tests.factories import UserFactory
from tests.pipeline.gate_helpers import WON_GATE

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(db):
    return UserFactory(username="ops", role=Role.OPS, team=None, region=None)


def test_configure_gate_rejects_manager(stages):
    manager = UserFactory(role=Role.MANAGER)

    with pytest.raises(PermissionDenied):
        configure_gate(actor=manager, stage=stages["won"], rule=WON_GATE, enabled=True)

    assert not StageGate.objects.filter(stage=stages["won"]).exists()


def test_configure_gate_rejects_unknown_document_type(ops, stages):
    rule = {"all": [{"type": "attachment", "document_type": "no_such_type", "min": 1}]}

    with override("en"), pytest.raises(DomainError) as caught:
        configure_gate(actor=ops, stage=stages["won"], rule=rule, enabled=True)

    assert caught.value.code == "unknown_document_type"
    assert caught.value.message == (
        "Document type no_such_type does not exist; add it on the document types page first."
    )
    assert not StageGate.objects.filter(stage=stages["won"]).exists()


def test_configure_disabled_gate_leaves_enabled_at_empty(ops, stages):
    gate = configure_gate(actor=ops, stage=stages["won"], rule=WON_GATE, enabled=False)

    assert (gate.enabled, gate.enabled_at, gate.rule) == (False, None, WON_GATE)


def test_set_gate_enabled_twice_keeps_first_time(ops, stages):
    gate = configure_gate(actor=ops, stage=stages["won"], rule=WON_GATE, enabled=True)
    first = gate.enabled_at

    set_gate_enabled(actor=ops, gate=gate, enabled=True)

    gate.refresh_from_db()
    assert gate.enabled_at == first


def test_save_document_type_rejects_unknown_kind(ops):
    with pytest.raises(DomainError) as caught:
        save_document_type(actor=ops, code="x", name="X", allowed_kinds=["exe"], max_bytes=2048)

    assert caught.value.code == "invalid_allowed_kinds"
    assert not DocumentType.objects.filter(code="x").exists()


def test_save_document_type_rejects_duplicate_code(ops):
    with pytest.raises(DomainError) as caught:
        save_document_type(
            actor=ops, code="quotation", name="报价", allowed_kinds=["pdf"], max_bytes=2048
        )

    assert caught.value.code == "duplicate_document_type"
    assert DocumentType.objects.get(code="quotation").name == "报价单"


@pytest.mark.parametrize(
    ("role", "report_link", "settings_link"),
    [
        (Role.REP, False, False),
        (Role.MANAGER, True, False),
        (Role.DIRECTOR, True, False),
        (Role.FINANCE, False, False),
        (Role.OPS, True, True),
        (Role.ADMIN, True, True),
    ],
)
def test_nav_links_follow_role(client, role, report_link, settings_link):
    client.force_login(UserFactory(role=role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    body = client.get(reverse("pipeline:kanban_default")).content.decode()

    assert (f'href="{reverse("pipeline:report_fake_progress")}"' in body) is report_link
    assert (f'href="{reverse("pipeline:config_settings_default")}"' in body) is settings_link
