import csv
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from salespulse.accounts.models import Role
from salespulse.crm.models import Customer
from salespulse.imports.models import BatchStatus, ImportBatch

from ..factories import PASSWORD, CustomerFactory, UserFactory
from .conftest import CUSTOMER_HEADER, CUSTOMER_ROWS

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(client):
    user = UserFactory(role=Role.OPS)
    client.login(username=user.username, password=PASSWORD)
    client.user = user
    return client


def customer_upload(name="customers.csv"):
    data = ("\r\n".join([CUSTOMER_HEADER, *CUSTOMER_ROWS]) + "\r\n").encode("gbk")
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_upload_page_requires_login(client):
    response = client.get(reverse("imports:upload"))

    assert response.status_code == 302


def test_upload_preview_writes_nothing(ops_client):
    response = ops_client.post(reverse("imports:upload"), {"file": customer_upload()})

    assert response.status_code == 200
    assert response.context["report"].created == 3
    assert Customer.objects.count() == 0
    assert 'name="column-1"' in response.content.decode()


def test_upload_commit_creates_batch_and_undo_button_reverts(ops_client):
    preview = ops_client.post(reverse("imports:upload"), {"file": customer_upload()})
    token = preview.context["token"]

    response = ops_client.post(
        reverse("imports:upload"), {"token": token, "file_name": "customers.csv", "commit": "1"}
    )

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("imports:batch", args=[batch.pk])
    assert Customer.objects.count() == 3
    ops_client.post(reverse("imports:undo", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE
    assert Customer.objects.count() == 0


def test_user_column_choice_overrides_mapping(ops_client):
    preview = ops_client.post(reverse("imports:upload"), {"file": customer_upload()})
    token = preview.context["token"]

    ops_client.post(
        reverse("imports:upload"),
        {"token": token, "file_name": "customers.csv", "commit": "1", "column-3": ""},
    )

    assert set(Customer.objects.values_list("city", flat=True)) == {""}


def test_upload_over_size_limit_is_rejected(ops_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100

    response = ops_client.post(reverse("imports:upload"), {"file": customer_upload()})

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert Customer.objects.count() == 0


def test_batch_of_another_user_is_not_found(client, ops_client):
    ops_client.post(reverse("imports:upload"), {"file": customer_upload()})
    batch = ImportBatch.objects.create(
        kind="customers", file_name="x.csv", file_sha256="0", created_by=ops_client.user
    )
    rep = UserFactory()
    client.login(username=rep.username, password=PASSWORD)

    response = client.get(reverse("imports:batch", args=[batch.pk]))

    assert response.status_code == 404


def test_csv_export_escapes_formula_and_has_bom(client):
    rep = UserFactory()
    CustomerFactory(owner=rep, name='=HYPERLINK("http://x","y")', notes="@SUM(1)")
    CustomerFactory(name="看不见的医院")
    client.login(username=rep.username, password=PASSWORD)

    response = client.get(reverse("imports:export_customers"))

    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][1] == '\'=HYPERLINK("http://x","y")'
    assert rows[1][8] == "'@SUM(1)"


def test_xlsx_export_keeps_formula_as_text(client):
    rep = UserFactory()
    CustomerFactory(owner=rep, name="=1+1")
    client.login(username=rep.username, password=PASSWORD)

    response = client.get(reverse("imports:export_customers") + "?format=xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=2).value == "'=1+1"
    assert sheet.cell(row=2, column=2).data_type == "s"


def pending_files(user):
    folder = settings.MEDIA_ROOT / "imports" / "pending" / str(user.pk)
    return list(folder.iterdir()) if folder.exists() else []


def test_pending_upload_is_deleted_after_commit(ops_client):
    preview = ops_client.post(reverse("imports:upload"), {"file": customer_upload()})
    assert len(pending_files(ops_client.user)) == 1

    ops_client.post(
        reverse("imports:upload"),
        {"token": preview.context["token"], "file_name": "customers.csv", "commit": "1"},
    )

    assert pending_files(ops_client.user) == []


def test_pending_upload_is_deleted_on_cancel(ops_client):
    preview = ops_client.post(reverse("imports:upload"), {"file": customer_upload()})

    response = ops_client.post(
        reverse("imports:upload"),
        {"token": preview.context["token"], "file_name": "customers.csv", "cancel": "1"},
    )

    assert response.status_code == 302
    assert pending_files(ops_client.user) == []
    assert Customer.objects.count() == 0


def test_pending_upload_is_deleted_when_rejected(ops_client):
    upload = SimpleUploadedFile("header_only.csv", "客户编号,客户名称\r\n".encode(), "text/csv")

    response = ops_client.post(reverse("imports:upload"), {"file": upload})

    assert "只有表头，没有数据行" in response.content.decode()
    assert pending_files(ops_client.user) == []
    assert ImportBatch.objects.count() == 0


def test_uploads_go_to_test_media_root(ops_client, tmp_path):
    ops_client.post(reverse("imports:upload"), {"file": customer_upload()})

    assert str(pending_files(ops_client.user)[0]).startswith(str(tmp_path))
