import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from salespulse.accounts.models import Role
from salespulse.signals.ingest import ingest_path
from salespulse.signals.models import Identity, IdentityStatus, IngestJob, IngestStatus, Message
from tests.factories import CustomerFactory, RegionFactory, TeamFactory, UserFactory
from tests.personas import build_workspace
from tests.signals.helpers import FORMATS

pytestmark = pytest.mark.django_db

ARCHIVE = FORMATS / "wecom_msgaudit_decrypted_messages.jsonl"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _chat_file(tmp_path, sender, text, msgid):
    path = tmp_path / f"{msgid}.jsonl"
    line = {
        "msgid": msgid,
        "action": "send",
        "from": sender,
        "tolist": ["rep"],
        "roomid": "",
        "msgtime": 1741142522000,
        "msgtype": "text",
        "text": {"content": text},
    }
    path.write_text(json.dumps(line, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("role", [Role.REP, Role.FINANCE, Role.DIRECTOR])
def test_upload_page_forbidden_to_other_roles(client, role):
    client.force_login(UserFactory(role=role))

    response = client.get(reverse("signals:ingest"))

    assert response.status_code == 403
    assert "只有销售运营、经理和管理员可以导入沟通记录。" in response.content.decode()


def test_manager_uploads_and_sees_counts(client, media_root, django_capture_on_commit_callbacks):
    manager = UserFactory(role=Role.MANAGER)
    client.force_login(manager)
    upload = SimpleUploadedFile("archive.jsonl", ARCHIVE.read_bytes())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("signals:ingest"), {"file": upload, "source": "", "time_zone": "Asia/Shanghai"})

    job = IngestJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("signals:ingest_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.records_read, job.counts["messages"], job.created_by) == (IngestStatus.DONE, 12, 9, manager)
    page = client.get(response.url).content.decode()
    assert "archive.jsonl" in page
    assert 'data-records="12"' in page
    assert "hx-trigger" not in page


def test_upload_rejects_unknown_time_zone(client, media_root):
    client.force_login(UserFactory(role=Role.OPS))
    upload = SimpleUploadedFile("archive.jsonl", ARCHIVE.read_bytes())

    response = client.post(reverse("signals:ingest"), {"file": upload, "time_zone": "Mars/Base"})

    assert response.status_code == 200
    assert "未知时区 Mars/Base" in response.content.decode()
    assert IngestJob.objects.count() == 0


def test_running_job_polls_progress(client):
    ops = UserFactory(role=Role.OPS)
    job = IngestJob.objects.create(
        source="wecom", file_name="big.jsonl", status=IngestStatus.RUNNING, records_read=3000
    )
    client.force_login(ops)

    response = client.get(
        reverse("signals:ingest_job", args=[job.pk]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ingest-progress"
    )

    body = response.content.decode()
    assert 'hx-trigger="every 2s"' in body
    assert 'data-records="3000"' in body
    assert "<html" not in body


def test_manager_cannot_open_another_managers_job(client):
    job = IngestJob.objects.create(source="wecom", file_name="x.jsonl", created_by=UserFactory(role=Role.MANAGER))
    client.force_login(UserFactory(role=Role.MANAGER))

    assert client.get(reverse("signals:ingest_job", args=[job.pk])).status_code == 404


def test_job_page_lists_errors(client, tmp_path):
    path = tmp_path / "cut.jsonl"
    path.write_text('{"msgid": "a", "msgtime": \n', encoding="utf-8")
    summary = ingest_path(path=path, source="wecom")
    client.force_login(UserFactory(role=Role.ADMIN))

    page = client.get(reverse("signals:ingest_job", args=[summary.job_id])).content.decode()

    assert "invalid JSON" in page


def test_review_queue_forbidden_to_rep(client):
    client.force_login(UserFactory(role=Role.REP))

    assert client.get(reverse("signals:review")).status_code == 403


def test_review_queue_links_identity(client, tmp_path):
    manager = UserFactory(role=Role.MANAGER)
    customer = CustomerFactory(owner=UserFactory(team=manager.team))
    ingest_path(path=_chat_file(tmp_path, "wmNEW", "预算批了", "m1"), actor=UserFactory(team=manager.team))
    identity = Identity.objects.get(value="wmNEW")
    client.force_login(manager)

    page = client.get(reverse("signals:review")).content.decode()
    assert f'data-identity="{identity.pk}"' in page
    assert "预算批了" in page

    response = client.post(reverse("signals:link_identity", args=[identity.pk]), {"customer": customer.pk})

    assert response.status_code == 302
    identity.refresh_from_db()
    assert (identity.status, identity.customer, identity.linked_by) == (IdentityStatus.LINKED, customer, manager)
    assert Message.objects.get().customer == customer


def test_review_link_to_invisible_customer_refused(client, tmp_path):
    manager = UserFactory(role=Role.MANAGER)
    outsider = CustomerFactory(owner=UserFactory(team=TeamFactory(region=RegionFactory())))
    ingest_path(path=_chat_file(tmp_path, "wmNEW", "预算批了", "m1"), actor=UserFactory(team=manager.team))
    identity = Identity.objects.get(value="wmNEW")
    client.force_login(manager)

    response = client.post(reverse("signals:link_identity", args=[identity.pk]), {"customer": outsider.pk})

    assert response.status_code == 404
    identity.refresh_from_db()
    assert identity.status == IdentityStatus.UNMATCHED


def test_rep_sees_only_messages_of_visible_customers(client, tmp_path):
    workspace = build_workspace()
    east, north = workspace.customers["rep_east1"], workspace.customers["rep_north1"]
    for index, customer in enumerate((east, north)):
        identity = Identity.objects.create(
            kind="wecom_external", value=f"wm{index}", customer=customer, status=IdentityStatus.LINKED
        )
        ingest_path(path=_chat_file(tmp_path, identity.value, f"{customer.name}的消息", f"m{index}"))
    client.force_login(workspace.users["rep_east1"])

    page = client.get(reverse("signals:messages")).content.decode()

    assert f"{east.name}的消息" in page
    assert f"{north.name}的消息" not in page


def test_review_queue_hides_identities_and_text_of_other_teams(client, tmp_path):
    manager = UserFactory(role=Role.MANAGER)
    other_rep = UserFactory(team=TeamFactory(region=RegionFactory()))
    ingest_path(path=_chat_file(tmp_path, "wmOTHER", "别的大区的报价", "m1"), actor=other_rep)
    client.force_login(manager)

    page = client.get(reverse("signals:review")).content.decode()

    assert f'data-identity="{Identity.objects.get(value="wmOTHER").pk}"' not in page
    assert "别的大区的报价" not in page


def test_linking_another_teams_identity_by_id_is_not_found(client, tmp_path):
    manager = UserFactory(role=Role.MANAGER)
    own_customer = CustomerFactory(owner=UserFactory(team=manager.team))
    ingest_path(path=_chat_file(tmp_path, "wmOTHER", "别的大区的报价", "m1"), actor=UserFactory(team=TeamFactory()))
    identity = Identity.objects.get(value="wmOTHER")
    client.force_login(manager)

    response = client.post(reverse("signals:link_identity", args=[identity.pk]), {"customer": own_customer.pk})

    assert response.status_code == 404
    identity.refresh_from_db()
    assert identity.status == IdentityStatus.UNMATCHED
    assert Message.objects.get().customer is None


def test_ops_sees_unowned_identities_in_review_queue(client, tmp_path):
    ingest_path(path=_chat_file(tmp_path, "wmNOBODY", "没有负责人的消息", "m1"))
    client.force_login(UserFactory(role=Role.OPS))

    page = client.get(reverse("signals:review")).content.decode()

    assert "没有负责人的消息" in page


def test_upload_with_a_name_longer_than_the_file_system_allows_is_imported(
    client, media_root, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(role=Role.MANAGER))
    long_name = "报价" * 60 + ".jsonl"
    upload = SimpleUploadedFile(long_name, ARCHIVE.read_bytes())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("signals:ingest"), {"file": upload, "source": "", "time_zone": "Asia/Shanghai"})

    assert response.status_code == 302
    job = IngestJob.objects.get()
    assert (job.file_name, job.status, job.counts["messages"]) == (long_name, IngestStatus.DONE, 9)


def test_message_text_and_sender_name_are_escaped_on_the_review_queue(client, tmp_path):
    ingest_path(path=_chat_file(tmp_path, "wm<img src=x onerror=alert(1)>", "<script>alert(2)</script>", "m1"))
    client.force_login(UserFactory(role=Role.OPS))

    page = client.get(reverse("signals:review")).content.decode()

    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "<script>alert(2)" not in page
    assert "<img src=x" not in page


def test_error_excerpt_is_escaped_on_the_job_page(client, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text("{bad <script>alert(5)</script>\n", encoding="utf-8")
    job_id = ingest_path(path=path).job_id
    client.force_login(UserFactory(role=Role.OPS))

    page = client.get(reverse("signals:ingest_job", args=[job_id])).content.decode()

    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in page
    assert "<script>alert(5)" not in page
