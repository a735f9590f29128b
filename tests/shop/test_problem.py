"""shop.api.Problem, the one API error every app raises, as a client receives it: status, problem
JSON (type, title, status, detail, then the extension members in order) and headers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from shop.api import Problem

PROBLEM = "application/problem+json"
BASE = "https://bazaar.example/problems/"
ROOT = Path(__file__).resolve().parents[2]


def answer(exc: Exception):
    """What a client gets when a DRF view raises `exc`: the real view, handler and renderer."""

    class Raising(APIView):
        authentication_classes: list = []
        permission_classes = [AllowAny]

        def get(self, request):
            raise exc

    response = Raising.as_view()(APIRequestFactory().get("/api/v1/anything"))
    response.render()
    return response


@pytest.mark.parametrize(("problem", "status", "body"), [
    (Problem(400, "File is not CSV.", "bad-csv", title="File or request not accepted"), 400,
     {"type": BASE + "bad-csv", "title": "File or request not accepted", "status": 400, "detail": "File is not CSV."}),
    (Problem(404, "We couldn't find that item.", "product-not-found", product_id=42), 404,
     {"type": BASE + "product-not-found", "title": "Not Found", "status": 404,
      "detail": "We couldn't find that item.", "product_id": 42}),
    (Problem(409, "Only 2 left.", "insufficient-stock", items=[{"product_id": 7, "available": 2}]), 409,
     {"type": BASE + "insufficient-stock", "title": "Conflict", "status": 409, "detail": "Only 2 left.",
      "items": [{"product_id": 7, "available": 2}]}),
    (Problem(409, "Too many.", "cart-line-limit", product_id=7, limit=10, in_cart=9), 409,
     {"type": BASE + "cart-line-limit", "title": "Conflict", "status": 409, "detail": "Too many.",
      "product_id": 7, "limit": 10, "in_cart": 9}),
    (Problem(422, "Nothing reaches 110001.", "not-deliverable", items=[3, 5]), 422,
     {"type": BASE + "not-deliverable", "title": "Unprocessable Content", "status": 422,
      "detail": "Nothing reaches 110001.", "items": [3, 5]}),
    (Problem(503, "Search is down.", "search-unavailable"), 503,
     {"type": BASE + "search-unavailable", "title": "Service Unavailable", "status": 503, "detail": "Search is down."}),
    (Problem(401, "Email or password is wrong."), 401,
     {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": "Email or password is wrong."}),
], ids=["400-title", "404", "409-items", "409-members", "422", "503", "401-about-blank"])
def test_a_problem_is_answered_as_problem_json(problem, status, body):
    response = answer(problem)

    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    assert json.loads(response.content) == body
    assert list(json.loads(response.content)) == list(body)  # members in this order, always


def test_a_problem_sends_its_headers():
    retry = answer(Problem(503, "Item attributes are unavailable.", "unavailable", headers={"Retry-After": "5"}))
    assert retry.status_code == 503 and retry["Retry-After"] == "5"

    locked = answer(Problem(429, "Too many failed log-ins.", "login-locked", headers={"Retry-After": "300"}))
    assert locked.status_code == 429 and locked["Retry-After"] == "300"
    assert json.loads(locked.content)["type"] == BASE + "login-locked"

    challenge = answer(Problem(401, "Email or password is wrong.", headers={"WWW-Authenticate": 'Token realm="api"'}))
    assert challenge["WWW-Authenticate"] == 'Token realm="api"'

    plain = answer(Problem(409, "Changed.", "conflict"))
    assert "Retry-After" not in plain and "WWW-Authenticate" not in plain


def test_extension_members_come_after_the_standard_ones_and_may_be_a_report():
    report = {"created": 0, "updated": 0, "unchanged": 0, "errors": [{"row": 1, "sku": "A", "errors": {}}]}
    rejected = Problem(400, "No row was saved.", "bulk-rejected", title="No row was saved", **report)
    body = json.loads(answer(rejected).content)
    assert list(body) == ["type", "title", "status", "detail", "created", "updated", "unchanged", "errors"]
    assert body["errors"] == report["errors"]


def test_no_app_builds_its_own_api_error():
    """Problem is the only APIException an app defines; nobody sets problem types by hand."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.split("/")[0] in {"tests", "infra", "tools", "scripts", "docs"} or "/migrations/" in relative:
            continue
        if relative.startswith(".") or relative == "shop/api.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\(\s*(rest_framework\.)?exceptions\.APIException\s*\)|problem_type|problem_extra", text):
            offenders.append(relative)
    assert offenders == []
