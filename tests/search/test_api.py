"""GET /api/v1/search and /api/v1/search/suggest: public, documented, problem JSON on errors."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.search.conftest import deliver
from tests.shop_world import BENGALURU_PIN

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def phones(shop):
    shop.add("Galaxy M14 phone", brand="Samsung", price_paise=1_299_900, stock={"DEL1": 4},
             attributes={"colour": "Black", "ram_gb": 8}, rating="4.3", image="https://img.example/m14.jpg")
    shop.add("Galaxy A05 phone", brand="Samsung", price_paise=899_900, stock={"BLR1": 2},
             attributes={"colour": "Blue", "ram_gb": 4}, rating="3.8")
    shop.add("Redmi 13C phone", brand="Redmi", price_paise=799_900, stock={"DEL1": 1},
             attributes={"colour": "Green", "ram_gb": 8})
    deliver()
    return shop


def test_search_answers_results_facets_and_delivery_dates(api, phones):
    response = api.get("/api/v1/search", {"q": "galaxy phon", "pin": BENGALURU_PIN, "sort": "price_asc"})

    assert response.status_code == 200
    body = response.json()
    assert (body["query"], body["pin"], body["total"], body["page"], body["pages"], body["sort"]) == (
        "galaxy phon", BENGALURU_PIN, 2, 1, 1, "price_asc")
    first, second = body["results"]
    assert (first["title"], first["price_paise"], first["currency"], first["brand"]) == (
        "Galaxy A05 phone", 899_900, "INR", "Samsung")
    assert second["image"] == "https://img.example/m14.jpg" and second["rating"] == "4.3"
    assert first["category"] == {"id": phones.mobiles, "name": "Mobiles"}
    assert set(first["delivery"]) == {"date", "courier"} and first["delivery"]["date"] < second["delivery"]["date"]
    facets = {f["code"]: f for f in body["facets"]}
    assert facets["brand"]["values"] == [{"value": "Samsung", "label": "Samsung", "count": 2, "selected": False}]
    assert facets["ram_gb"]["unit"] == "GB" and facets["ram_gb"]["kind"] == "attribute"
    assert body["did_you_mean"] is None and body["undeliverable_count"] == 0


def test_filters_are_repeatable_parameters(api, phones):
    body = api.get("/api/v1/search?brand=Samsung&brand=Redmi&attr=ram_gb:8&attr=colour:Black&attr=colour:Green"
                   "&price_max_paise=1000000").json()
    assert [r["title"] for r in body["results"]] == ["Redmi 13C phone"]
    assert body["results"][0]["delivery"] is None  # no PIN code given or chosen


def test_the_visitors_chosen_pin_is_used_when_none_is_given(api, phones):
    session = api.session
    session["pin_code"] = BENGALURU_PIN
    session.save()
    body = api.get("/api/v1/search", {"q": "redmi"}).json()
    assert body["pin"] == BENGALURU_PIN and body["results"][0]["delivery"] is not None


def test_bad_input_is_a_400_problem_naming_the_fields(api, phones):
    response = api.get("/api/v1/search", {"sort": "cheapest", "page": 0, "per_page": 500, "attr": "colour"})
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert {e["field"] for e in response.json()["errors"]} == {"sort", "page", "per_page", "attr.0"}

    response = api.get("/api/v1/search", {"pin": "999999"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "pin", "message": "999999 is not an Indian PIN code we know."}]


def test_search_unavailable_is_a_503_problem(api, phones, monkeypatch):
    from search.api import views
    from search.backends.base import SearchUnavailable

    def down(*args, **kwargs):
        raise SearchUnavailable("timed out")

    monkeypatch.setattr(views, "search_run", down)
    response = api.get("/api/v1/search", {"q": "phone"})
    assert response.status_code == 503 and response["Content-Type"] == PROBLEM
    assert response.json()["type"].endswith("/search-unavailable")


def test_did_you_mean(api, phones):
    body = api.get("/api/v1/search", {"q": "samsnug glxy"}).json()
    assert body["total"] == 0 and body["did_you_mean"] == "samsung galaxy"


def test_suggest(api, phones):
    body = api.get("/api/v1/search/suggest", {"q": "galax"}).json()
    assert body["query"] == "galax"
    assert {s["text"] for s in body["suggestions"]} == {"Galaxy M14 phone", "Galaxy A05 phone"}
    assert body["suggestions"][0]["url"].startswith("/search/?q=Galaxy")
    brand = api.get("/api/v1/search/suggest", {"q": "redm"}).json()["suggestions"][0]
    assert (brand["text"], brand["kind"], brand["url"]) == ("Redmi", "brand", "/search/?brand=Redmi")
    assert api.get("/api/v1/search/suggest", {"q": "  "}).json()["suggestions"] == []


def test_suggest_does_not_count_as_a_search(api, phones):
    from events.models import OutboxEvent

    api.get("/api/v1/search/suggest", {"q": "galax"})
    assert not OutboxEvent.objects.filter(type="search.performed.v1").exists()
    api.get("/api/v1/search", {"q": "galax"})
    assert OutboxEvent.objects.filter(type="search.performed.v1").count() == 1


def test_both_endpoints_are_in_the_openapi_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    search = schema["paths"]["/api/v1/search"]["get"]
    assert {p["name"] for p in search["parameters"]} >= {"q", "category", "brand", "attr", "price_min_paise",
                                                         "rating_min", "sort", "page", "per_page", "pin"}
    assert "200" in search["responses"] and "400" in search["responses"]
    assert "/api/v1/search/suggest" in schema["paths"]


def test_a_kept_answer_reads_nothing_and_bad_input_is_still_refused(api, phones):
    path = f"/api/v1/search?q=galaxy+phon&pin={BENGALURU_PIN}"
    first = api.get(path)
    with CaptureQueriesContext(connection) as queries:
        again = api.get(path)
    assert again.json() == first.json()
    # Only the search.performed row (written at once in tests; batched by a thread when serving).
    assert [(q["sql"].startswith("INSERT"), "events_outboxevent" in q["sql"])
            for q in queries.captured_queries] == [(True, True)]

    for _ in range(2):  # a refused query is never kept, so it is checked every time
        refused = api.get(f"{path}&per_page=500")
        assert refused.status_code == 400
        assert [e["field"] for e in refused.json()["errors"]] == ["per_page"]
