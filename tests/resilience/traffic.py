"""Background traffic: customers going round the shop's pages in a thread while a test breaks something."""

from __future__ import annotations

import threading

from django.utils.text import slugify

from tests.resilience.customers import Customer


def product_path(item_id: int, title: str) -> str:
    return f"/p/{item_id}/{slugify(title)[:80]}/"


class Traffic:
    """Each customer browses every customer page, round after round, until stopped."""

    def __init__(self, customers: list[Customer], *, item_path: str):
        self.customers, self.item_path = customers, item_path
        self.rounds = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for customer in self.customers:
                customer.browse(item_path=self.item_path)
            with self._lock:
                self.rounds += 1

    def start(self) -> Traffic:
        self._thread.start()
        return self

    def completed(self) -> int:
        with self._lock:
            return self.rounds

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)
