"""Fixtures the order tests share: a phone in stock at DEL1, and the shop's customer buying it."""

from __future__ import annotations

import pytest


@pytest.fixture
def item(world_tx):
    return world_tx.add_item("PHONE", price_paise=1_999_900, stock={"DEL1": 3})


@pytest.fixture
def buyer(world_tx):
    return world_tx.customer
