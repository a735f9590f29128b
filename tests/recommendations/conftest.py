"""The home page's tests search a real index of their own, as the search tests do."""

from tests.search.conftest import search_index  # noqa: F401  (the fixture, shared)
