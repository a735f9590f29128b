"""The Elasticsearch engine, through the official client.

Everything the engine is sent (mapping, documents, queries, aliases) and the flow over
generations is shared with the OpenSearch backend in search/backends/es_api.py; this module is
how the `elasticsearch` client makes those calls. The mapping is a plain dict there rather than
an `elasticsearch.dsl` Document, so the OpenSearch backend can send it too
(docs/decisions/0014-opensearch.md; 0009 explains why not django-elasticsearch-dsl).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from search.backends.es_api import AliasedIndexBackend


class ElasticsearchBackend(AliasedIndexBackend):
    engine = "Elasticsearch"
    bulk_helper = staticmethod(helpers.bulk)
    unavailable = (ApiError, TransportError)

    def _connect(self, url: str, timeout: float) -> Elasticsearch:
        return Elasticsearch(url, request_timeout=timeout)

    def _get_aliases(self, pattern: str) -> Mapping[str, Any]:
        return self.client.options(ignore_status=404).indices.get_alias(
            index=pattern, allow_no_indices=True, expand_wildcards="open").body or {}

    def _update_aliases(self, actions: list[dict[str, Any]]) -> None:
        self.client.indices.update_aliases(actions=actions)

    def _delete_index(self, name: str) -> None:
        self.client.options(ignore_status=404).indices.delete(index=name)

    def _search(self, index: str, body: dict[str, Any]) -> Mapping[str, Any] | None:
        try:
            return self.client.search(index=index, body=body).body
        except NotFoundError:
            return None
