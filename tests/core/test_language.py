import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep_client(client):
    rep = UserFactory()
    client.login(username=rep.username, password=PASSWORD)
    return client


def test_english_browser_still_gets_chinese(rep_client):
    response = rep_client.get(reverse("crm:customer_list"), headers={"accept-language": "en-US,en;q=0.9"})

    assert response.headers["Content-Language"] == "zh-hans"


def test_language_switch_chooses_english(rep_client):
    rep_client.post(reverse("set_language"), {"language": "en", "next": "/"})

    response = rep_client.get(reverse("crm:customer_list"))

    assert response.headers["Content-Language"] == "en"


def test_api_follows_accept_language(client):
    response = client.get("/api/customers", headers={"accept-language": "en"})

    assert response.status_code == 401
    assert response.json()["message"].startswith("Send an API token")
