"""The search page: what a customer sees, with links that work without JavaScript."""

from __future__ import annotations

import re

import pytest

from tests.search.conftest import deliver
from tests.shop_world import BENGALURU_PIN, ISLANDS_PIN

pytestmark = pytest.mark.django_db


@pytest.fixture
def phones(shop):
    shop.add("Galaxy M14 phone", brand="Samsung", price_paise=1_299_900, stock={"DEL1": 4},
             attributes={"colour": "Black", "ram_gb": 8}, rating="4.3")
    shop.add("Galaxy A05 phone", brand="Samsung", price_paise=899_900, stock={"BLR1": 2},
             attributes={"colour": "Blue", "ram_gb": 4}, rating="3.8")
    shop.add("Redmi 13C phone", brand="Redmi", price_paise=799_900, stock={"DEL1": 1},
             attributes={"colour": "Green", "ram_gb": 8})
    deliver()
    return shop


@pytest.fixture
def bengaluru(client):
    session = client.session
    session["pin_code"] = BENGALURU_PIN
    session.save()
    return client


def cards(html: str) -> list[str]:
    return re.findall(r'data-testid="result-title">([^<]+)<', html)


def test_a_misspelled_query_shows_cards_with_price_rating_and_delivery_date(phones, bengaluru):
    response = bengaluru.get("/search/", {"q": "samsnug"})

    assert response.status_code == 200
    html = response.content.decode()
    assert sorted(cards(html)) == ["Galaxy A05 phone", "Galaxy M14 phone"]
    assert "₹12,999" in html and "4.3" in html
    assert re.search(r"Delivery by <strong>\w{3}, \d{1,2} \w{3}</strong>", html)
    assert "delivering to <strong>560001</strong>" in html
    assert 'src="/static/search/no-image.svg"' in html  # no image: a local placeholder, CSP-safe


def test_facet_links_filter_and_show_what_is_selected(phones, client):
    html = client.get("/search/", {"q": "phone"}).content.decode()
    link = re.search(r'href="([^"]+)"[^>]*data-testid="facet-brand" data-value="Redmi"', html).group(1)

    filtered = client.get(link.replace("&amp;", "&")).content.decode()

    assert cards(filtered) == ["Redmi 13C phone"]
    assert 'class="facet-link is-selected"' in filtered and "Filters in use" in filtered
    assert 'data-testid="facet-colour" data-value="Green"' in filtered


def test_sort_by_price_and_attribute_filter(phones, client):
    html = client.get("/search/", {"q": "phone", "sort": "price_desc", "attr": "ram_gb:8"}).content.decode()
    assert cards(html) == ["Galaxy M14 phone", "Redmi 13C phone"]
    assert '<option value="price_desc" selected>' in html
    assert "8 GB" in html


def test_prices_are_rupees_on_the_page(phones, client):
    html = client.get("/search/", {"q": "phone", "price_min": "8000", "price_max": "10000"}).content.decode()
    assert cards(html) == ["Galaxy A05 phone"]
    assert "Price: ₹8,000 – ₹10,000" in html
    wide = client.get("/search/", {"q": "phone", "price_max": "150000"}).content.decode()
    assert "Price: any – ₹1,50,000" in wide  # Indian grouping, as every price is written


def test_pagination_links(phones, client, monkeypatch):
    from search import forms

    monkeypatch.setattr(forms, "PER_PAGE", 2)
    html = client.get("/search/", {"q": "phone", "sort": "price_asc"}).content.decode()
    assert cards(html) == ["Redmi 13C phone", "Galaxy A05 phone"]
    next_url = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert cards(client.get(next_url).content.decode()) == ["Galaxy M14 phone"]


def test_the_empty_state_helps(phones, client):
    html = client.get("/search/", {"q": "samsnug glxy"}).content.decode()
    assert 'data-testid="search-empty"' in html
    assert 'Did you mean <a href="/search/?q=samsung+galaxy">samsung galaxy</a>?' in html
    assert "Electronics" in html  # a category to browse instead


def test_the_empty_state_says_when_nothing_reaches_the_pin(phones, client):
    session = client.session
    session["pin_code"] = ISLANDS_PIN
    session.save()
    html = client.get("/search/", {"q": "galaxy"}).content.decode()
    assert "Nothing matching “galaxy” delivers to 744101 yet" in html
    assert "2 items match, but no seller who has them delivers to 744101 yet." in html


def test_bad_filters_are_ignored_not_an_error(phones, client):
    # A bad page number is not ignored: that page doesn't exist (test_page_edges.py).
    response = client.get("/search/", {"q": "phone", "category": "-1", "sort": "best", "rating": "9"})
    assert response.status_code == 200 and len(cards(response.content.decode())) == 3


def test_no_inline_script_or_style(phones, client):
    html = client.get("/search/", {"q": "phone"}).content.decode()
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "/static/search/search.js" in html


def test_search_unavailable_is_a_503_page(phones, client, monkeypatch):
    from search import views
    from search.backends.base import SearchUnavailable

    def down(*args, **kwargs):
        raise SearchUnavailable("connection refused")

    monkeypatch.setattr(views, "search_run", down)
    response = client.get("/search/", {"q": "phone"})
    assert response.status_code == 503 and b"Search is taking a break" in response.content


def test_a_page_past_the_last_one_is_a_404_that_links_back(phones, client):
    response = client.get("/search/", {"q": "phone", "page": "9"})
    html = response.content.decode()
    assert response.status_code == 404
    assert "There’s no page 9 of these results" in html and 'href="/search/?q=phone"' in html
