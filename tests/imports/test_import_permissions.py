"""Import permissions: account-creating files need ops or admin, and a rep matches only visible records."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from salespulse.accounts.models import Region, Role, Team, User
from salespulse.core.errors import PermissionDenied
from salespulse.crm.models import Customer, CustomerTier, Opportunity
from salespulse.imports.importers.base import ImportOptions
from salespulse.imports.models import ImportBatch
from salespulse.imports.services import import_file

from ..factories import PASSWORD, CustomerFactory, UserFactory, make_opportunity
from .conftest import FIXTURES

pytestmark = pytest.mark.django_db

TEAMS = FIXTURES / "maven_sales_teams.csv"
FORBIDDEN = (
    "文件 maven_sales_teams.csv 会创建用户、团队和区域，只有销售运营或管理员可以导入。请联系他们导入。"
)


def run(path, actor, dry_run=False):
    return import_file(path=path, actor=actor, options=ImportOptions(), dry_run=dry_run)


def test_rep_cannot_import_sales_teams():
    rep = UserFactory(role=Role.REP)
    users_before = User.objects.count()

    with pytest.raises(PermissionDenied) as error:
        run(TEAMS, rep)

    assert error.value.message == FORBIDDEN
    assert User.objects.count() == users_before
    assert ImportBatch.objects.count() == 0


def test_manager_cannot_preview_sales_teams():
    manager = UserFactory(role=Role.MANAGER)

    with pytest.raises(PermissionDenied):
        run(TEAMS, manager, dry_run=True)


@pytest.mark.parametrize("role", [Role.OPS, Role.ADMIN])
def test_ops_and_admin_import_sales_teams(role):
    report = run(TEAMS, UserFactory(role=role))

    assert report.rejected == 0
    assert User.objects.filter(display_name="Oakley Nettlefold").exists()


def test_cli_user_rep_cannot_import_sales_teams():
    rep = UserFactory(role=Role.REP)
    teams_before = Team.objects.count()

    with pytest.raises(CommandError) as error:
        call_command("import", str(TEAMS), "--user", rep.username)

    assert FORBIDDEN in str(error.value)
    assert Team.objects.count() == teams_before


def test_upload_page_rejects_sales_teams_for_rep(client, settings):
    rep = UserFactory(role=Role.REP)
    client.login(username=rep.username, password=PASSWORD)
    upload = SimpleUploadedFile("maven_sales_teams.csv", TEAMS.read_bytes(), "text/csv")

    response = client.post(reverse("imports:upload"), {"file": upload})

    assert FORBIDDEN in response.content.decode()
    assert not User.objects.filter(display_name="Oakley Nettlefold").exists()


def test_rep_maven_accounts_do_not_create_regions(tmp_path):
    rep = UserFactory(role=Role.REP)
    regions_before = Region.objects.count()

    report = run(FIXTURES / "maven_accounts.csv", rep)

    assert Region.objects.count() == regions_before
    assert report.created > 0
    assert any("该字段留空" in warning.message for warning in report.warnings)


def test_rep_cannot_attach_deal_to_invisible_customer(write_csv):
    rep = UserFactory(role=Role.REP)
    other = CustomerFactory(name="上海云岫医学检验所（示例）")
    path = write_csv(["商机名称,客户名称,阶段,预计金额", "越权商机,上海云岫医学检验所（示例）,初步接洽,10万"])

    report = run(path, rep)

    opportunity = Opportunity.objects.get(name="越权商机")
    assert opportunity.customer_id is None
    assert opportunity.owner == rep
    assert report.warnings[0].column == "客户名称"
    assert not other.opportunities.exists()


def test_rep_sees_own_customer_for_deal(write_csv):
    rep = UserFactory(role=Role.REP)
    own = CustomerFactory(name="自有医院", owner=rep)
    path = write_csv(["商机名称,客户名称,预计金额", "自有商机,自有医院,10万"])

    run(path, rep)

    assert Opportunity.objects.get(name="自有商机").customer == own


def test_rep_cannot_update_invisible_customer(write_csv):
    rep = UserFactory(role=Role.REP)
    other = CustomerFactory(name="上海云岫医学检验所(示例)", tier=CustomerTier.objects.get(code="a"))
    path = write_csv(["客户名称,客户等级,备注", "上海云岫医学检验所(示例),C,被销售改写"])

    report = run(path, rep)

    other.refresh_from_db()
    assert report.rejected == 1
    assert other.tier.code == "a"
    assert other.notes == ""
    assert Customer.objects.count() == 1


def test_rep_cannot_update_invisible_opportunity(write_csv):
    rep = UserFactory(role=Role.REP)
    other = make_opportunity(external_id="D-9", name="别人的商机", expected_amount=100)
    path = write_csv(["商机编号,商机名称,预计金额", "D-9,改名,20万"])

    report = run(path, rep)

    other.refresh_from_db()
    assert report.rejected == 1
    assert (other.name, other.expected_amount) == ("别人的商机", 100)


def test_system_import_sees_every_customer(write_csv):
    other = CustomerFactory(name="任意医院")
    path = write_csv(["商机名称,客户名称,预计金额", "系统商机,任意医院,10万"])

    run(path, None)

    assert Opportunity.objects.get(name="系统商机").customer == other
