import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_public_and_lists_endpoints():
    response = Client().get("/api/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "SalesPulse API"
    assert {
        "/api/customers",
        "/api/customers/{customer_id}",
        "/api/opportunities",
        "/api/opportunities/{opportunity_id}",
        "/api/opportunities/{opportunity_id}/stage-history",
    } <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["ApiTokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_openapi_schema_declares_money_as_string():
    schema = Client().get("/api/openapi.json").json()

    amount = schema["components"]["schemas"]["OpportunityOut"]["properties"]["expected_amount"]
    assert {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "125000.00"} in amount[
        "anyOf"
    ]
    assert all(option.get("type") != "number" for option in amount["anyOf"])


def test_docs_page_loads_without_external_urls():
    response = Client().get("/api/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "http://" not in html
    assert "https://" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/ninja/swagger-ui-bundle.js" in assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset


def test_docs_page_disables_online_validator():
    html = Client().get("/api/docs").content.decode()

    settings_json = re.search(
        r'<script type="application/json" id="swagger-settings">(.*?)</script>', html, re.S
    )
    assert json.loads(settings_json.group(1))["validatorUrl"] is None


def test_unknown_api_path_is_json_404():
    response = Client().get("/api/no-such-endpoint")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "/api/no-such-endpoint 处没有内容。"}


def test_unknown_api_path_in_english():
    response = Client().get("/api/no-such-endpoint", headers={"Accept-Language": "en"})

    assert response.json()["message"] == "Nothing was found at /api/no-such-endpoint."


def test_openapi_schema_lists_stage_gate_endpoints():
    paths = set(Client().get("/api/openapi.json").json()["paths"])

    assert {
        "/api/opportunities/bulk-move",
        "/api/opportunities/{opportunity_id}/move",
        "/api/opportunities/{opportunity_id}/objections",
        "/api/opportunities/{opportunity_id}/attachments",
        "/api/pipelines/templates",
        "/api/pipelines/{code}/template",
        "/api/pipelines/template-schema.json",
        "/api/reports/fake-progress",
    } <= paths
