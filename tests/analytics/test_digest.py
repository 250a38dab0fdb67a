import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from salespulse.accounts.models import Role
from salespulse.analytics.digest import send_weekly_digests
from salespulse.analytics.models import Alert, AlertKind, AlertStatus, DigestRecord
from tests.analytics.helpers import local
from tests.factories import LeadFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 30, 8, 0)


def stale_alert(owner, first_seen, status=AlertStatus.OPEN):
    lead = LeadFactory(owner=owner, name=f"线索-{first_seen:%m%d}")
    return Alert.objects.create(
        kind=AlertKind.STALE_LEAD,
        subject_key=f"lead:{lead.pk}",
        owner=owner,
        lead=lead,
        evidence={"lead_id": lead.pk, "idle_days": 9},
        status=status,
        detected_at=first_seen,
        first_seen=first_seen,
        last_seen=first_seen,
    )


@pytest.fixture
def team_alerts():
    team = TeamFactory(name="华东一组")
    manager = UserFactory(role=Role.MANAGER, team=team, email="manager@example.com", display_name="刘经理")
    rep = UserFactory(team=team, display_name="张伟")
    DigestRecord.objects.create(manager=manager, last_sent_at=local(2026, 3, 23, 8, 0))
    stale_alert(rep, local(2026, 3, 20))  # before the previous digest
    stale_alert(rep, local(2026, 3, 25))
    stale_alert(rep, local(2026, 3, 26))
    stale_alert(rep, local(2026, 3, 27), status=AlertStatus.DISMISSED)
    stale_alert(UserFactory(), local(2026, 3, 27))  # another team
    return manager


def test_digest_lists_new_team_alerts_in_chinese(team_alerts):
    result = send_weekly_digests(NOW)

    assert (result.sent, result.skipped) == (1, 0)
    (message,) = mail.outbox
    assert message.to == ["manager@example.com"]
    assert message.subject == "销售脉搏：华东一组有 2 条新预警"
    assert "刘经理，您好：" in message.body
    assert message.body.count("已有 9 天没有任何活动") == 2
    assert "线索-0325" in message.body
    assert "线索-0320" not in message.body


def test_digest_has_html_alternative(team_alerts):
    send_weekly_digests(NOW)

    html, mime = mail.outbox[0].alternatives[0]
    assert mime == "text/html"
    assert html.count("<tr><td>") == 2


def test_digest_records_time_and_skips_repeat(team_alerts):
    send_weekly_digests(NOW)

    result = send_weekly_digests(NOW + dt.timedelta(hours=1))

    assert DigestRecord.objects.get(manager=team_alerts).last_sent_at == NOW
    assert (result.sent, result.skipped) == (0, 1)
    assert len(mail.outbox) == 1


def test_manager_without_email_gets_no_digest(team_alerts):
    team_alerts.email = ""
    team_alerts.save()

    assert send_weekly_digests(NOW).sent == 0


def test_digest_command_sends(team_alerts, capsys):
    call_command("digest")

    assert "digests sent: 1" in capsys.readouterr().out
