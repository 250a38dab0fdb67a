import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from salespulse.core.errors import DomainError
from salespulse.rebates.models import RebateAgreement
from salespulse.rebates.services import confirm_rebate
from salespulse.rebates.template_documents import dump_template, export_agreement, import_template
from tests.factories import CustomerFactory
from tests.rebates.agreements import make_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement():
    return make_agreement(customer=CustomerFactory(name="杭州市第一人民医院"), mode="progressive")


def test_export_contains_tiers(agreement):
    body = export_agreement(agreement)["agreement"]

    assert body["tiers"] == [
        {"threshold": "0.00", "rate": "0"},
        {"threshold": "500000.00", "rate": "0.032"},
        {"threshold": "1000000.00", "rate": "0.045"},
    ]
    assert body["customer"]["name"] == "杭州市第一人民医院"
    assert body["products"] == ["US-X5"]


def test_reimport_is_unchanged(agreement):
    diff = import_template(actor=None, text=dump_template(export_agreement(agreement)))

    assert diff.is_empty


def test_new_version_created(agreement):
    document = export_agreement(agreement)
    document["agreement"]["version"] = 2
    document["agreement"]["tiers"][1]["rate"] = "0.035"

    diff = import_template(actor=None, text=json.dumps(document))

    assert diff.created
    new = RebateAgreement.objects.get(code=agreement.code, version=2)
    assert list(new.tiers.values_list("rate", flat=True)) == [Decimal("0"), Decimal("0.035"), Decimal("0.045")]
    assert new.customer == agreement.customer


def test_dry_run_saves_nothing(agreement):
    document = export_agreement(agreement)
    document["agreement"]["mode"] = "whole"

    diff = import_template(actor=None, text=json.dumps(document), dry_run=True)

    assert [change[0] for change in diff.changes] == ["mode"]
    agreement.refresh_from_db()
    assert agreement.mode == "progressive"


def test_used_version_cannot_change(agreement):
    rep = agreement.customer.owner
    confirm_rebate(
        actor=rep,
        agreement=agreement,
        period=agreement.effective_from,
        product_ids=[p.pk for p in agreement.products.all()],
        payments=["1.00"],
    )
    document = export_agreement(agreement)
    document["agreement"]["mode"] = "whole"

    with pytest.raises(DomainError) as error:
        import_template(actor=None, text=json.dumps(document))

    assert error.value.code == "agreement_version_in_use"


def test_invalid_template_names_path(agreement):
    document = export_agreement(agreement)
    document["agreement"]["tiers"][0]["rate"] = 0.1

    with translation.override("en"), pytest.raises(DomainError) as error:
        import_template(actor=None, text=json.dumps(document))

    assert error.value.field == "$.agreement.tiers[0].rate"


def test_decreasing_rates_rejected(agreement):
    document = export_agreement(agreement)
    document["agreement"]["tiers"][2]["rate"] = "0.01"

    with pytest.raises(DomainError) as error:
        import_template(actor=None, text=json.dumps(document), dry_run=True)

    assert error.value.code == "tier_rate_decreasing"


def test_cli_export_import_dry_run(agreement, tmp_path, capsys):
    path = tmp_path / "agreement.json"
    call_command("rebates", "export", agreement.code, "-o", str(path))
    document = json.loads(path.read_text(encoding="utf-8"))
    document["agreement"]["version"] = 2
    path.write_text(json.dumps(document), encoding="utf-8")

    with translation.override("en"):
        call_command("rebates", "import", str(path), "--dry-run")

    output = capsys.readouterr().out
    assert "will be created" in output
    assert "Dry run: nothing was saved." in output
    assert not RebateAgreement.objects.filter(version=2).exists()


def test_cli_unknown_code():
    with pytest.raises(CommandError):
        call_command("rebates", "export", "NOPE")
