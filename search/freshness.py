"""The version of the search index, for pages kept by what they show (shop.pagecache).

Every write that changes what search answers (a flush of stale items, a rebuild, a clear) gives
the index a new version once the engine has it. A page built from search names the version in its
cache key, so the first request after a write builds it again: a sold-out item leaves cached
pages exactly when it leaves search (docs/decisions/0025).

Engines show a write to other processes a moment later (tantivy's readers reload within ≈ 0.5 s of
a commit; OpenSearch and Elasticsearch refresh every second), so for `SETTLE_SECONDS` after a
change a page is served but not kept: otherwise a process whose reader has not reloaded yet could
keep yesterday's answer under today's version.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from hashlib import blake2b

from django.core.cache import cache

INDEX_VERSION_KEY = "search:index:version"
SETTLE_SECONDS = 2.0


@dataclass(frozen=True)
class IndexVersion:
    token: str
    changed_at: float

    @property
    def settled(self) -> bool:
        return time.time() - self.changed_at >= SETTLE_SECONDS


def index_version_get() -> IndexVersion:
    """The current version; a cache that lost it (flushed, restarted) starts a new one, which
    counts as a change: nothing kept before can be taken for it."""
    found = cache.get(INDEX_VERSION_KEY)
    if isinstance(found, tuple) and len(found) == 2:
        return IndexVersion(*found)
    fresh = (uuid.uuid4().hex, time.time())
    if not cache.add(INDEX_VERSION_KEY, fresh, timeout=None):
        found = cache.get(INDEX_VERSION_KEY)
        if isinstance(found, tuple) and len(found) == 2:
            return IndexVersion(*found)
    return IndexVersion(*fresh)


def index_changed() -> None:
    """Call after a write the engine has taken (not before: a page built in between would be kept
    under the new version with the old answer)."""
    cache.set(INDEX_VERSION_KEY, (uuid.uuid4().hex, time.time()), timeout=None)


def results_version(pin: str | None) -> str | None:
    """One token for everything search's answers for `pin` depend on: the index's version and the
    delivery estimates in force for the PIN (routes, couriers' cut-offs, the day). None while the
    index settles after a change, or for a PIN logistics refuses: then a page is not kept."""
    from logistics.interface import PinCodeError
    from search.selectors import reachable_estimates

    version = index_version_get()
    if not version.settled:
        return None
    try:
        estimates = reachable_estimates(pin) if pin else {}
    except PinCodeError:
        return None
    shown = repr((version.token, sorted(estimates.items())))
    return blake2b(shown.encode(), digest_size=12).hexdigest()
