"""The OpenSearch engine, through opensearch-py.

The `elasticsearch` client refuses servers that are not Elastic's (it checks the product header),
so OpenSearch gets its own client; everything it is sent and the flow over generations and
aliases is shared with the Elasticsearch backend (search/backends/es_api.py). This module is how
opensearch-py makes those calls. Settings: OPENSEARCH_URL (shop/config.py);
docs/decisions/0014-opensearch.md.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, distribution
from typing import Any

from search.backends.es_api import AliasedIndexBackend


def _import_opensearchpy() -> None:
    """Import opensearch-py although our `events` app shadows a package it needs.

    opensearch-py imports the PyPI package `Events` as `from events import Events`
    (opensearchpy/metrics/metrics_events.py), and `events` is our event app's name, first on the
    path: the import fails (opensearch-project/opensearch-py#756, open). So, once per process,
    `events` names the PyPI package while opensearch-py is imported, and our app again right
    after; opensearch-py keeps the class it took. The swap lasts only that import (milliseconds,
    when the backend is first built); code that imports opensearchpy itself must import this
    module first.
    """
    if "opensearchpy" in sys.modules:
        return
    try:
        init = distribution("Events").locate_file("events/__init__.py")
    except PackageNotFoundError as exc:
        raise ImportError("opensearch-py needs the `Events` package; reinstall the pinned requirements") from exc
    spec = importlib.util.spec_from_file_location("events", str(init), submodule_search_locations=[str(init.parent)])
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the `Events` package from {init}")
    ours = {name: module for name, module in sys.modules.items() if name == "events" or name.startswith("events.")}
    for name in ours:
        del sys.modules[name]
    try:
        theirs = importlib.util.module_from_spec(spec)
        sys.modules["events"] = theirs
        spec.loader.exec_module(theirs)
        importlib.import_module("opensearchpy")
    finally:
        for name in [n for n in sys.modules if n == "events" or n.startswith("events.")]:
            del sys.modules[name]
        sys.modules.update(ours)


_import_opensearchpy()

from opensearchpy import NotFoundError, OpenSearch, TransportError, helpers  # noqa: E402  (after the fix above)


class OpenSearchBackend(AliasedIndexBackend):
    engine = "OpenSearch"
    bulk_helper = staticmethod(helpers.bulk)
    unavailable = (TransportError,)  # HTTP errors and connection failures alike

    def _connect(self, url: str, timeout: float) -> OpenSearch:
        return OpenSearch(url, timeout=timeout)

    def _get_aliases(self, pattern: str) -> Mapping[str, Any]:
        return self.client.indices.get_alias(index=pattern, allow_no_indices=True, expand_wildcards="open",
                                             ignore=404)

    def _update_aliases(self, actions: list[dict[str, Any]]) -> None:
        self.client.indices.update_aliases(body={"actions": actions})

    def _delete_index(self, name: str) -> None:
        self.client.indices.delete(index=name, ignore=404)

    def _search(self, index: str, body: dict[str, Any]) -> Mapping[str, Any] | None:
        try:
            return self.client.search(index=index, body=body)
        except NotFoundError:
            return None
