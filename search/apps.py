from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"

    def ready(self) -> None:
        from django.conf import settings

        from search import tasks  # noqa: F401  (registered, so services can enqueue them by name)

        # opensearch-py is imported with a brief sys.modules swap (search/backends/opensearch.py):
        # do it now, while Django starts single-threaded, not under a threaded server's first search.
        if settings.BAZAAR_BACKENDS["search"]["BACKEND"].endswith(".OpenSearchBackend"):
            import search.backends.opensearch  # noqa: F401
