"""Pages and JSON are gzipped for clients that ask (issue 11, part 2; docs/decisions/0021)."""

from __future__ import annotations

import gzip

from search.interface import items_reindex


def test_a_page_is_gzipped_for_a_client_that_asks_and_plain_for_one_that_does_not(client, db):
    plain = client.get("/cart/")
    packed = client.get("/cart/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert "<html" in html and len(packed.content) * 2 < len(html.encode())


def test_json_is_gzipped_too(client, world):
    items_reindex(item_ids=[world.add_item(f"MUG-{n}", stock={"BLR1": 5}) for n in range(3)])
    response = client.get("/api/v1/search?q=test", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert b'"results"' in gzip.decompress(response.content) or b"MUG" in gzip.decompress(response.content)


def test_the_csrf_token_differs_on_every_gzipped_page(client, db):
    """BREACH needs a secret repeated byte for byte across responses: Django masks the token anew."""
    client.get("/accounts/login/")
    first = gzip.decompress(client.get("/accounts/login/", HTTP_ACCEPT_ENCODING="gzip").content).decode()
    second = gzip.decompress(client.get("/accounts/login/", HTTP_ACCEPT_ENCODING="gzip").content).decode()

    def token(html: str) -> str:
        return html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]

    assert token(first) != token(second)


def test_pictures_are_not_compressed_again(client, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "p.webp").write_bytes(b"RIFF" + bytes(range(256)) * 4)
    response = client.get(f"/{settings.MEDIA_URL.strip('/')}/p.webp", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert "Content-Encoding" not in response
