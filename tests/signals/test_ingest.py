import pytest

from salespulse.crm.models import Direction, Interaction
from salespulse.signals import ingest as ingest_module
from salespulse.signals.ingest import ingest_path
from salespulse.signals.models import Event, IngestError, IngestJob, IngestStatus, Message, Speaker
from tests.signals.helpers import CN_EMAIL, FORMATS
from tests.signals.ingest_fixtures import build_sample_world

pytestmark = pytest.mark.django_db

ARCHIVE = FORMATS / "wecom_msgaudit_decrypted_messages.jsonl"


def test_archive_stores_messages_and_events():
    summary = ingest_path(path=ARCHIVE)

    assert summary.counts["messages"] == 9
    assert summary.counts["events"] == 3
    assert Message.objects.count() == 9
    assert sorted(Event.objects.values_list("kind", flat=True)) == ["agree", "recall", "switch"]


def test_switch_imports_as_event_not_message():
    ingest_path(path=ARCHIVE)

    assert Event.objects.filter(kind="switch", dedupe_key="wecom:CAQQEXAMPLESWITCH00000000000000000=").exists()
    assert not Message.objects.filter(external_id="CAQQEXAMPLESWITCH00000000000000000=").exists()


def test_recalled_message_kept_for_audit_not_as_interaction():
    world = build_sample_world()

    ingest_path(path=ARCHIVE)

    recalled = Message.objects.get(external_id="1234567890123456783_1741142583000_external")
    assert recalled.recalled is True
    assert recalled.text == "[文件] 报价单_青禾医疗_2025年3月5日.xlsx"
    assert recalled.interaction is None
    assert not Interaction.objects.filter(customer=world.customer, text__contains="报价单_青禾医疗").exists()


def test_recall_before_original_still_hides_it(tmp_path):
    build_sample_world()
    lines = ARCHIVE.read_text(encoding="utf-8").splitlines()
    recall_first = tmp_path / "recall.jsonl"
    recall_first.write_text(lines[4] + "\n", encoding="utf-8")
    ingest_path(path=recall_first)

    ingest_path(path=ARCHIVE)

    message = Message.objects.get(external_id="1234567890123456783_1741142583000_external")
    assert message.recalled is True
    assert message.interaction is None


def test_reimport_adds_nothing():
    build_sample_world()
    ingest_path(path=ARCHIVE)
    before = (Message.objects.count(), Event.objects.count(), Interaction.objects.count())

    summary = ingest_path(path=ARCHIVE)

    assert summary.counts["messages"] == 0
    assert summary.counts["duplicates"] == 12
    assert (Message.objects.count(), Event.objects.count(), Interaction.objects.count()) == before


def test_overlapping_export_adds_only_new(tmp_path):
    lines = ARCHIVE.read_text(encoding="utf-8").splitlines()
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("\n".join(lines[:7]) + "\n", encoding="utf-8")
    second.write_text("\n".join(lines[4:]) + "\n", encoding="utf-8")
    ingest_path(path=first)

    summary = ingest_path(path=second)

    assert summary.counts["duplicates"] == 3
    assert Message.objects.count() == 9
    assert Event.objects.count() == 3


def test_overlapping_wechat_exports_without_ids(tmp_path):
    source = (FORMATS / "memotrace_wechatmsg_contact_export.txt").read_text(encoding="utf-8")
    blocks = source.split("\n\n")
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("\n\n".join(blocks[:4]) + "\n", encoding="utf-8")
    second.write_text("\n\n".join(blocks[2:]), encoding="utf-8")
    ingest_path(path=first)

    ingest_path(path=second)

    assert Message.objects.filter(source="memotrace").count() == 6
    assert Event.objects.filter(source="memotrace").count() == 1


def test_interrupted_run_resumes_after_last_chunk(monkeypatch):
    calls = {"chunks": 0}
    original = ingest_module._ChunkStore._write

    def failing_write(self, chunk):
        calls["chunks"] += 1
        if calls["chunks"] == 3:
            raise RuntimeError("worker killed")
        return original(self, chunk)

    monkeypatch.setattr(ingest_module._ChunkStore, "_write", failing_write)
    with pytest.raises(RuntimeError):
        ingest_path(path=ARCHIVE, chunk_size=4)
    job = IngestJob.objects.get()
    assert job.position == 8
    assert Message.objects.count() == 6

    monkeypatch.setattr(ingest_module._ChunkStore, "_write", original)
    summary = ingest_path(path=ARCHIVE, chunk_size=4)

    assert summary.job_id == job.pk
    assert summary.resumed_from == 8
    job.refresh_from_db()
    assert (job.status, job.position) == (IngestStatus.DONE, 12)
    assert Message.objects.count() == 9
    assert job.counts["duplicates"] == 0


def test_truncated_json_line_reported_rest_imported(tmp_path):
    lines = ARCHIVE.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5][:60]
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    summary = ingest_path(path=path)

    [error] = IngestError.objects.all()
    assert error.line == 6
    assert error.reason.startswith("invalid JSON")
    assert error.excerpt == lines[5][:60]
    assert summary.counts["messages"] == 8


def test_binary_in_txt_reported_rest_imported(tmp_path):
    data = (FORMATS / "wechatexporter_ios_contact_export.txt").read_bytes()
    path = tmp_path / "export.txt"
    path.write_bytes(data.replace("[图片]".encode(), b"\x00\xff\x00\x01bin"))

    summary = ingest_path(path=path)

    assert summary.errors == [(5, "binary or undecodable content")]
    assert Message.objects.count() == 5


def test_empty_eml_reported(tmp_path):
    path = tmp_path / "empty.eml"
    path.write_bytes(b"")

    summary = ingest_path(path=path)

    assert summary.errors == [(1, "the file is empty (0 bytes)")]
    assert IngestError.objects.get().line == 1


def test_csv_with_wrong_columns_reported(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("姓名,年龄\n张三,30\n", encoding="utf-8")

    summary = ingest_path(path=path)

    [(line, reason)] = summary.errors
    assert line == 1
    assert "time column" in reason
    assert Message.objects.count() == 0


def test_dry_run_writes_nothing():
    build_sample_world()

    summary = ingest_path(path=ARCHIVE, dry_run=True)

    assert summary.dry_run is True
    assert summary.counts["messages"] == 9
    assert Message.objects.count() == 0
    assert IngestJob.objects.count() == 0


def test_email_thread_links_speakers():
    world = build_sample_world()

    ingest_path(path=CN_EMAIL / "cn_b2b_thread.mbox")

    customer_mail = Message.objects.get(subject="回复：关于生化试剂报价（2025年3月5日）")
    assert customer_mail.speaker == Speaker.CUSTOMER
    assert customer_mail.customer == world.customer
    assert customer_mail.owner == world.rep
    assert customer_mail.interaction.direction == Direction.INBOUND
    rep_mail = Message.objects.get(subject="样品已发出 / 交货期与付款方式")
    assert rep_mail.speaker == Speaker.REP
    assert rep_mail.interaction.direction == Direction.OUTBOUND
    assert rep_mail.interaction.text.startswith("样品已发出 / 交货期与付款方式\n王主任：")


def test_chunk_refreshes_activity_facts():
    world = build_sample_world()

    ingest_path(path=ARCHIVE)

    world.opportunity.refresh_from_db()
    assert world.opportunity.interaction_count == Interaction.objects.filter(opportunity=world.opportunity).count()
    assert world.opportunity.interaction_count > 0
    assert world.opportunity.last_interaction_at is not None


def test_external_contact_sync_creates_contact():
    world = build_sample_world(with_contact=False)

    summary = ingest_path(path=FORMATS / "wecom_externalcontact_get_response.json")

    assert summary.counts["contacts"] == 1
    contact = world.customer.contacts.get()
    assert contact.wecom_external_userid == "wmEXAMPLE0000000000000000000000A"
    assert contact.phone == "13800000002"
    event = Event.objects.get(kind="external_contact")
    assert event.payload["follow_user"][0]["tags"] == ["方案/报价", "生化试剂"]


def test_external_contact_sync_then_archive_links(tmp_path):
    world = build_sample_world(with_contact=False)
    ingest_path(path=FORMATS / "wecom_externalcontact_get_response.json")

    ingest_path(path=ARCHIVE)

    message = Message.objects.get(external_id="1234567890123456782_1741142522000_external")
    assert message.customer == world.customer
    assert message.speaker == Speaker.CUSTOMER


def test_group_chat_without_customer_match_has_no_interaction():
    ingest_path(path=ARCHIVE)

    assert Interaction.objects.count() == 0
    assert Message.objects.get(external_id="1234567890123456788_1741143060000_external").room_id


def test_unknown_format_fails_job(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n")

    summary = ingest_path(path=path)

    assert "unsupported file type .png" in summary.failure
    assert IngestJob.objects.get().status == IngestStatus.FAILED


def test_wechat_export_with_user_marks_rep(tmp_path):
    world = build_sample_world()

    ingest_path(path=FORMATS / "wechatexporter_ios_contact_export.txt", actor=world.rep)

    rep_line = Message.objects.get(text="王主任，我跟公司申请特价，样品明天寄出")
    assert rep_line.speaker == Speaker.REP
    assert rep_line.owner == world.rep
    assert rep_line.customer == world.customer
    customer_line = Message.objects.get(text="陈经理，报价收到了，38.4万超预算了")
    assert customer_line.speaker == Speaker.CUSTOMER
    assert customer_line.customer == world.customer
