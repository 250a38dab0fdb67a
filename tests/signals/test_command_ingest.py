import io

import pytest
from django.core.management import CommandError, call_command

from salespulse.signals.models import Message
from tests.signals.helpers import CN_EMAIL, FORMATS

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    output = io.StringIO()
    call_command("ingest", *args, stdout=output)
    return output.getvalue()


def test_prints_counts_per_file():
    output = _run(str(FORMATS / "wecom_msgaudit_decrypted_messages.jsonl"), "--dry-run")

    assert output.startswith("[试运行] ")
    expected = (
        "（wecom）：新建 9 条消息，重复 0 条，事件 3 个，同步联系人 0 个，沟通记录 0 条，错误 0 个，待匹配身份 4 个"
    )
    assert expected in output
    assert Message.objects.count() == 0


def test_prints_errors_with_file_and_line(tmp_path):
    lines = (FORMATS / "wecom_msgaudit_decrypted_messages.jsonl").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1][:30]
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    output = _run(str(path))

    assert f"  {path}:2: invalid JSON" in output
    assert Message.objects.count() == 8


def test_reports_several_files_and_duplicates():
    files = sorted(str(path) for path in CN_EMAIL.glob("*.eml")) + [str(CN_EMAIL / "cn_b2b_thread.mbox")]

    output = _run(*files)

    assert Message.objects.count() == 6
    assert output.count("\n") == 7


def test_unknown_user_rejected():
    with pytest.raises(CommandError, match="nobody"):
        _run(str(FORMATS / "wecom_msgaudit_decrypted_messages.jsonl"), "--user", "nobody")


def test_unknown_time_zone_rejected():
    with pytest.raises(CommandError, match="Mars/Base"):
        _run(str(FORMATS / "wecom_msgaudit_decrypted_messages.jsonl"), "--tz", "Mars/Base")


def test_tz_option_applies_to_local_times():
    _run(str(FORMATS / "wechatexporter_ios_contact_export.txt"), "--tz", "UTC")

    first = Message.objects.order_by("sent_at").first()
    assert first.sent_at.isoformat() == "2025-03-05T10:41:01+00:00"


def test_unrecognised_file_fails_with_reason(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG")

    with pytest.raises(CommandError):
        _run(str(path))
