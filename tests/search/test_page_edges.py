"""Issue 13: the edges of the search page a new customer runs into. What the page says when
nothing reaches the PIN code, when the results were found only by typo tolerance, for a page
that doesn't exist and for a query too long to search."""

from __future__ import annotations

import re

import pytest

from events.models import OutboxEvent
from search.forms import MAX_QUERY_LENGTH
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
             attributes={"colour": "Green", "ram_gb": 8}, description="Wireless charging")
    deliver()
    return shop


def at_pin(client, pin):
    session = client.session
    session["pin_code"] = pin
    session.save()
    return client


def cards(html: str) -> list[str]:
    return re.findall(r'data-testid="result-title">([^<]+)<', html)


def text(html: str) -> str:
    """The page's words, without tags and with single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- nothing reaches the PIN code: one message, about the PIN code ---------------------------

def test_a_misspelled_query_at_a_pin_nothing_reaches_gets_one_message_about_the_pin(phones, client):
    response = at_pin(client, ISLANDS_PIN).get("/search/", {"q": "galxy phne"})

    page = text(response.content.decode())
    assert response.status_code == 200
    assert "Nothing matching “galxy phne” delivers to 744101 yet" in page
    assert "2 items match, but no seller who has them delivers to 744101 yet." in page
    assert "Nothing matches" not in page and "Did you mean" not in page  # no contradicting second message
    assert 'data-testid="pin-change"' in response.content.decode()
    assert 'name="next" value="/search/?q=galxy+phne"' in response.content.decode()


def test_without_a_pin_problem_the_empty_state_still_helps_with_the_spelling(phones, client):
    html = at_pin(client, BENGALURU_PIN).get("/search/", {"q": "samsnug glxy"}).content.decode()
    assert "Nothing matches “samsnug glxy”" in text(html) and "delivers to" not in text(html)
    assert 'Did you mean <a href="/search/?q=samsung+galaxy">samsung galaxy</a>?' in html


# --- found only by typo tolerance: say so, and offer the spelling the results use -------------

def test_a_typo_that_still_finds_says_did_you_mean_with_the_results(phones, client):
    html = at_pin(client, BENGALURU_PIN).get("/search/", {"q": "samsnug phnoe"}).content.decode()

    assert sorted(cards(html)) == ["Galaxy A05 phone", "Galaxy M14 phone"]
    assert "No exact matches for “samsnug phnoe”. Showing related items." in text(html)
    assert 'Did you mean <a href="/search/?q=samsung+phone">samsung phone</a>?' in html


def test_a_word_the_catalog_does_not_have_says_there_is_no_exact_match(phones, client):
    html = client.get("/search/", {"q": "iphone"}).content.decode()

    assert len(cards(html)) == 3  # "phone" is one edit away: related items, shown as such
    assert "No exact matches for “iphone”. Showing related items." in text(html)
    assert 'Did you mean <a href="/search/?q=phone">phone</a>?' in html


@pytest.mark.parametrize("query", ["samsung phone", "galaxy", "sams", "Galaxy M14", "wireless"])
def test_an_exact_match_gets_no_note(phones, client, query):
    html = client.get("/search/", {"q": query}).content.decode()
    assert cards(html) and "No exact matches" not in html and "Did you mean" not in html


def test_a_typo_matched_only_in_text_the_results_do_not_show_claims_nothing(phones, client):
    html = client.get("/search/", {"q": "wireles"}).content.decode()  # the description's "wireless"
    assert cards(html) == ["Redmi 13C phone"] and "No exact matches" not in html


def test_the_note_keeps_the_filters_and_holds_for_another_sort_and_page(phones, client, monkeypatch):
    from search import forms

    monkeypatch.setattr(forms, "PER_PAGE", 2)
    html = client.get("/search/", {"q": "galxy", "brand": "Samsung", "sort": "price_desc",
                                   "page": "1"}).content.decode()
    assert "No exact matches for “galxy”" in text(html)
    assert 'Did you mean <a href="/search/?q=galaxy&amp;brand=Samsung&amp;sort=price_desc">galaxy</a>?' in html

    second = client.get("/search/", {"q": "phnoe", "sort": "price_asc", "page": "2"}).content.decode()
    assert cards(second) == ["Galaxy M14 phone"] and "No exact matches for “phnoe”" in text(second)


# --- pages that don't exist --------------------------------------------------------------------

@pytest.fixture
def two_a_page(monkeypatch):
    from search import forms

    monkeypatch.setattr(forms, "PER_PAGE", 2)


def test_the_last_page_shows_a_possible_range(phones, client, two_a_page):
    page = text(client.get("/search/", {"q": "phone", "page": "2"}).content.decode())
    assert "3–3 of 3 results" in page


@pytest.mark.parametrize("number", ["3", "19", "999", "100", "101", "123456789012345678"])
def test_a_page_past_the_last_is_a_404_that_links_to_the_last_and_first(phones, client, two_a_page, number):
    before = OutboxEvent.objects.filter(type="search.performed.v1").count()

    response = client.get("/search/", {"q": "phone", "page": number})

    html = response.content.decode()
    assert response.status_code == 404
    assert "There’s no " in text(html) and "“phone” has 2 pages." in text(html)
    assert 'href="/search/?q=phone&amp;page=2" data-testid="last-page">Go to the last page (2)' in html
    assert 'href="/search/?q=phone" data-testid="first-page"' in html
    assert not re.search(r"\d+–\d+ of", html)  # never an impossible range
    assert OutboxEvent.objects.filter(type="search.performed.v1").count() == before  # not a search seen


def test_past_the_pages_we_show_says_to_narrow_the_search(phones, client, two_a_page, monkeypatch):
    from search import types, views

    monkeypatch.setattr(types, "MAX_PAGE", 1)  # 3 results, 2 a page: 2 pages, of which we show 1
    monkeypatch.setattr(views, "MAX_PAGE", 1)
    response = client.get("/search/", {"q": "phone", "page": "2"})
    assert response.status_code == 404
    assert "We show the first 1 pages of 3 results. Add a word or a filter to narrow them down." in text(
        response.content.decode())


def test_a_page_past_the_last_of_nothing_links_back_to_the_search(phones, client):
    response = client.get("/search/", {"q": "zzqxv", "page": "2"})
    assert response.status_code == 404
    assert "Nothing matches “zzqxv”." in text(response.content.decode())
    assert 'href="/search/?q=zzqxv" data-testid="first-page">Back to the search' in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "-1", "0", "2.5", "1e3", "½", "9" * 5000])
def test_a_page_that_is_not_a_number_is_a_404_not_page_one(phones, client, value):
    response = client.get("/search/", {"q": "phone", "page": value})

    assert response.status_code == 404
    page = text(response.content.decode())
    assert "There’s no such page of these results" in page and "isn’t a page number" in page
    assert not cards(response.content.decode())
    assert 'href="/search/?q=phone" data-testid="first-page">Go to the first page' in response.content.decode()


@pytest.mark.parametrize("value", ["", " 2 ", "02"])
def test_blank_or_padded_page_numbers_are_read(phones, client, two_a_page, value):
    response = client.get("/search/", {"q": "phone", "page": value})
    assert response.status_code == 200 and cards(response.content.decode())


# --- a query too long to search ------------------------------------------------------------------

def test_a_query_too_long_is_an_error_on_the_page_not_another_search(phones, client):
    typed = "galaxy phone " * 40  # 520 characters

    response = client.get("/search/", {"q": typed, "brand": "Samsung"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "Your search is too long" in html
    assert f"Your search is {len(typed.strip())} characters long. Searches can be up to 200 characters" in html
    assert "All products" not in html and not cards(html)
    assert 'aria-invalid="true"' in html and f'maxlength="{MAX_QUERY_LENGTH}"' in html
    assert 'name="brand" value="Samsung"' in html  # the rest of the search is kept


def test_a_query_of_the_longest_length_is_searched(phones, client):
    typed = ("galaxy " + "x" * 200)[:MAX_QUERY_LENGTH]
    response = client.get("/search/", {"q": typed})
    assert response.status_code == 200 and "Your search is too long" not in response.content.decode()


def test_the_page_and_the_api_allow_the_same_query_length():
    from search.api.serializers import SearchInputSerializer

    assert SearchInputSerializer().fields["q"].max_length == MAX_QUERY_LENGTH


def test_a_query_with_more_words_than_are_searched_says_which_were(phones, client):
    html = client.get("/search/", {"q": "galaxy phone one two three four five six seven"}).content.decode()
    assert "We searched for the first 8 words only: “galaxy phone one two three four five six”." in text(html)
