"""The API shell: token log-in, problem JSON errors, throttling, the OpenAPI schema."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

PROBLEM = "application/problem+json"


@pytest.fixture
def api():
    return APIClient()


def test_token_login_returns_a_token_that_authenticates(api, user_factory):
    user_factory(email="asha@example.com", password="a-long-test-password")

    response = api.post("/api/v1/auth/token", {"email": "Asha@Example.com",
                                               "password": "a-long-test-password"}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/schema/").status_code == 200


def test_wrong_password_is_a_401_problem(api, user_factory):
    user_factory(email="asha@example.com")
    response = api.post("/api/v1/auth/token", {"email": "asha@example.com", "password": "nope"},
                        format="json")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized"
    assert body["detail"] == "Email or password is wrong."


def test_invalid_input_lists_each_field_error(api, db):
    response = api.post("/api/v1/auth/token", {"email": "not-an-email"}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"].endswith("/validation")
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"email", "password"}


def test_malformed_json_is_a_400_problem_not_a_500(api, db):
    response = api.generic("POST", "/api/v1/auth/token", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM


def test_unknown_api_address_is_a_404_problem(client, db):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 404


def test_token_login_is_throttled(api, db, settings):
    cache.clear()
    statuses = [api.post("/api/v1/auth/token", {"email": "x@example.com", "password": "wrong"},
                         format="json").status_code for _ in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    last = api.post("/api/v1/auth/token", {"email": "x@example.com", "password": "wrong"}, format="json")
    assert last["Content-Type"] == PROBLEM
    assert int(last["Retry-After"]) > 0


def test_openapi_schema_documents_the_token_endpoint(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/auth/token" in schema["paths"]


def test_browsable_api_docs_page_uses_local_assets(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"cdn.jsdelivr" not in response.content
