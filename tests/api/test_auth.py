import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from salespulse.api.models import ApiToken
from salespulse.api.services import LAST_USED_RESOLUTION, issue_api_token, revoke_api_token
from tests.api.conftest import ApiClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MISSING_TOKEN_ZH = "请在 Authorization 请求头中发送 API 令牌，格式为：Bearer TOKEN。"
INVALID_TOKEN_ZH = "API 令牌不存在或已撤销；请用 salespulse token create USERNAME 创建新令牌。"


def test_missing_token_is_401_in_chinese():
    response = ApiClient(None).get("/api/customers")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"code": "not_authenticated", "message": MISSING_TOKEN_ZH}


def test_missing_token_is_401_in_english():
    response = ApiClient(None, language="en").get("/api/customers")

    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Send an API token in the Authorization header as: Bearer TOKEN.",
    }


def test_non_bearer_scheme_is_401():
    client = ApiClient(None)
    client.headers["Authorization"] = "Basic dXNlcjpwYXNz"

    response = client.get("/api/customers")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_unknown_token_is_401():
    response = ApiClient("sp_000000000000_not-a-real-secret").get("/api/customers")

    assert response.status_code == 401
    assert response.json() == {"code": "invalid_token", "message": INVALID_TOKEN_ZH}


def test_wrong_secret_with_real_prefix_is_401():
    issued = issue_api_token(user=UserFactory())
    forged = f"sp_{issued.token.prefix}_{'x' * 43}"

    response = ApiClient(forged).get("/api/customers")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_revoked_token_is_401():
    issued = issue_api_token(user=UserFactory())
    client = ApiClient(issued.plain)
    assert client.get("/api/customers").status_code == 200

    revoke_api_token(token=issued.token)

    response = client.get("/api/customers")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_token_of_deactivated_user_is_401():
    user = UserFactory()
    issued = issue_api_token(user=user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = ApiClient(issued.plain).get("/api/customers")

    assert response.status_code == 401


def test_token_is_stored_hashed():
    issued = issue_api_token(user=UserFactory(), name="ERP sync")

    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert stored.key_hash == hashlib.sha256(issued.plain.encode()).hexdigest()
    assert issued.plain.startswith(f"sp_{stored.prefix}_")
    secret = issued.plain.split("_", 2)[2]
    for value in ApiToken.objects.values_list("name", "prefix", "key_hash").get(pk=stored.pk):
        assert secret not in value
        assert issued.plain not in value


def test_request_records_last_use():
    issued = issue_api_token(user=UserFactory())
    assert issued.token.last_used_at is None

    ApiClient(issued.plain).get("/api/customers")

    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None
    assert timezone.now() - issued.token.last_used_at < dt.timedelta(minutes=1)


def test_last_use_written_at_most_once_per_minute():
    issued = issue_api_token(user=UserFactory())
    client = ApiClient(issued.plain)
    start = dt.datetime(2025, 3, 18, 2, 0, tzinfo=dt.UTC)

    with time_machine.travel(start, tick=False):
        client.get("/api/customers")
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        client.get("/api/customers")
    issued.token.refresh_from_db()
    assert issued.token.last_used_at == start

    with time_machine.travel(start + LAST_USED_RESOLUTION, tick=False):
        client.get("/api/customers")
    issued.token.refresh_from_db()
    assert issued.token.last_used_at == start + LAST_USED_RESOLUTION


def test_cli_create_prints_token_once(capsys):
    user = UserFactory(username="zhang.wei")

    call_command("token", "create", "zhang.wei", "--name", "ERP sync")

    out, err = capsys.readouterr()
    plain = out.strip()
    token = ApiToken.objects.get(user=user)
    assert token.name == "ERP sync"
    assert token.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in err
    assert token.prefix in err
    assert ApiClient(plain).get("/api/customers").status_code == 200


def test_cli_create_unknown_user_fails():
    with pytest.raises(CommandError, match="用户 nobody 不存在。"):
        call_command("token", "create", "nobody")


def test_cli_list_shows_prefix_not_secret(capsys):
    issued = issue_api_token(user=UserFactory(username="li.na"), name="BI")

    call_command("token", "list", "li.na")

    out = capsys.readouterr().out
    assert issued.token.prefix in out
    assert "li.na" in out
    assert issued.plain not in out


def test_cli_revoke_by_prefix(capsys):
    issued = issue_api_token(user=UserFactory(username="wang.fang"))

    call_command("token", "revoke", issued.token.prefix)

    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    assert f"已撤销 wang.fang 的令牌 {issued.token.prefix}。" in capsys.readouterr().out


def test_cli_revoke_by_id():
    issued = issue_api_token(user=UserFactory())

    call_command("token", "revoke", str(issued.token.pk))

    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None


def test_cli_revoke_twice_fails():
    issued = issue_api_token(user=UserFactory())
    call_command("token", "revoke", issued.token.prefix)

    with pytest.raises(CommandError, match="已于"):
        call_command("token", "revoke", issued.token.prefix)


def test_cli_revoke_unknown_fails():
    with pytest.raises(CommandError, match="没有前缀或 ID 为 ffffffffffff 的令牌"):
        call_command("token", "revoke", "ffffffffffff")
