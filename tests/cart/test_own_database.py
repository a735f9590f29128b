"""Cart and wishlist on databases of their own (CART_DATABASE_URL / WISHLIST_DATABASE_URL).

A fresh process migrates three SQLite files and shops: the cart's rows and the outbox events
that describe them land in the cart's file, the wishlist's in its own, nothing of either in the
main one; the relay publishes from every outbox; an order placed on the main database clears
the cart on the other.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_cart_and_wishlist_rows_and_their_events_live_on_their_own_databases(tmp_path):
    main, cart, wishlist = tmp_path / "main.sqlite3", tmp_path / "cart.sqlite3", tmp_path / "wishlist.sqlite3"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DATABASE_URL": f"sqlite:///{main}",
        "CART_DATABASE_URL": f"sqlite:///{cart}",
        "WISHLIST_DATABASE_URL": f"sqlite:///{wishlist}",
        "EVENTS_RELAY_ON_COMMIT": "0",
        # Behaviour (analytics) events written at once, in the consumer's transaction: otherwise
        # the buffer's writer thread adds them to the outbox whenever its second comes round, and
        # the script's last count races it.
        "EVENTS_ANALYTICS_FLUSH_SECONDS": "0",
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "LOG_LEVEL": "WARNING",
    }
    for alias in ("default", "cart", "wishlist"):
        run(["manage.py", "migrate", "--database", alias, "--no-input"], env)

    assert {"cart_cart", "cart_line", "events_outboxevent"} <= tables(cart)
    assert {"wishlist_wishlistitem", "events_outboxevent"} <= tables(wishlist)
    assert not {"cart_cart", "cart_line", "wishlist_wishlistitem"} & tables(main)
    assert "catalog_item" not in tables(cart)  # the cart's database holds the cart's tables only

    seen = json.loads(run(["tests/cart/own_database_script.py"], env).stdout.strip().splitlines()[-1])

    assert seen["cart_alias"] == "cart" and seen["wishlist_alias"] == "wishlist"
    assert seen["cart_read_alias"] == "cart"
    assert seen["outbox_databases"] == ["default", "cart", "wishlist"]
    # Each change's event sits beside its rows, and nowhere else.
    assert seen["pending_before_relay"] == {
        "default": [],
        "cart": ["cart.item_added.v1", "cart.item_added.v1", "cart.merged.v1"],
        "wishlist": ["wishlist.item_added.v1"],
    }
    assert seen["first_relay"] == {"published": 4, "failed": 0}
    assert sorted(type_ for type_, _ in seen["received"]) == [
        "cart.item_added.v1", "cart.item_added.v1", "cart.item_removed.v1", "cart.merged.v1",
        "wishlist.item_added.v1"]
    # The order on the main database took the kettle out of the cart on the cart database.
    assert seen["lines_after_order"] == [[seen["mug"], 1]]
    assert seen["unpublished_left"] == {"default": 0, "cart": 0, "wishlist": 0}

    assert rows(cart, "SELECT item_id, quantity FROM cart_line") == [(seen["mug"], 1)]
    assert rows(wishlist, "SELECT item_id FROM wishlist_wishlistitem") == [(seen["mug"],)]
    cart_events = rows(cart, "SELECT type, published_at IS NOT NULL FROM events_outboxevent ORDER BY id")
    assert [t for t, _ in cart_events] == ["cart.item_added.v1", "cart.item_added.v1", "cart.merged.v1",
                                           "cart.item_removed.v1"]
    assert all(published for _, published in cart_events)
    assert rows(main, "SELECT COUNT(*) FROM events_outboxevent WHERE type LIKE 'cart.%'") == [(0,)]
