import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
LOGOUT_URL = reverse("accounts:logout")
WRONG_PASSWORD_MESSAGE = "用户名或密码不正确。请检查后重试，密码区分大小写。"


@pytest.fixture(autouse=True)
def clear_throttle():
    cache.clear()
    yield
    cache.clear()


def test_login_page_is_chinese(client):
    response = client.get(LOGIN_URL)

    body = response.content.decode()
    assert response.status_code == 200
    assert "登录销售脉搏" in body
    assert "用户名" in body


def test_login_page_switches_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": LOGIN_URL})

    response = client.get(LOGIN_URL)

    assert "Sign in to SalesPulse" in response.content.decode()


def test_login_with_right_password_redirects_to_next(client):
    user = UserFactory(username="wang.li")

    response = client.post(
        LOGIN_URL,
        {"username": "wang.li", "password": PASSWORD, "next": reverse("crm:customer_list")},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("crm:customer_list")
    assert client.session[SESSION_KEY] == str(user.pk)


def test_login_with_wrong_password_shows_message(client):
    UserFactory(username="wang.li")

    response = client.post(LOGIN_URL, {"username": "wang.li", "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [WRONG_PASSWORD_MESSAGE]
    assert WRONG_PASSWORD_MESSAGE in response.content.decode()
    assert SESSION_KEY not in client.session


def test_login_locks_after_five_failures(client):
    UserFactory(username="wang.li")
    for _ in range(5):
        client.post(LOGIN_URL, {"username": "wang.li", "password": "wrong"})

    response = client.post(LOGIN_URL, {"username": "wang.li", "password": PASSWORD})

    assert response.context["form"].non_field_errors() == [
        "账号 wang.li 登录失败次数过多。请等待 15 分钟后重试，或联系管理员重置密码。"
    ]
    assert SESSION_KEY not in client.session


def test_login_success_resets_failure_count(client):
    UserFactory(username="wang.li")
    for _ in range(4):
        client.post(LOGIN_URL, {"username": "wang.li", "password": "wrong"})
    client.post(LOGIN_URL, {"username": "wang.li", "password": PASSWORD, "next": "/customers/"})
    client.post(LOGOUT_URL)

    client.post(LOGIN_URL, {"username": "wang.li", "password": "wrong"})
    response = client.post(
        LOGIN_URL, {"username": "wang.li", "password": PASSWORD, "next": "/customers/"}
    )

    assert response.status_code == 302


def test_logout_by_post_ends_session(client):
    client.force_login(UserFactory())

    response = client.post(LOGOUT_URL)

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert SESSION_KEY not in client.session


def test_logout_by_get_is_rejected(client):
    client.force_login(UserFactory())

    response = client.get(LOGOUT_URL)

    assert response.status_code == 405
    assert SESSION_KEY in client.session


def test_signed_in_page_shows_sign_out_button(client):
    client.force_login(UserFactory())

    response = client.get(reverse("crm:customer_list"))

    body = response.content.decode()
    assert f'action="{LOGOUT_URL}"' in body
    assert "退出登录" in body
