"""The project's URLs plus the catalog's, for tests run before shop/urls.py mounts them.

Once shop/urls.py includes catalog.api.urls at api/v1/seller/ and catalog.api.public_urls at
api/v1/, this module adds nothing (the existing mounts win) and can be deleted.
"""

from django.urls import Resolver404, include, path, resolve

from shop.urls import handler404, handler500  # noqa: F401
from shop.urls import urlpatterns as project_urlpatterns


def _mounted(url: str) -> bool:
    try:
        resolve(url, urlconf="shop.urls")
    except Resolver404:
        return False
    return True


urlpatterns = list(project_urlpatterns)
if not _mounted("/api/v1/seller/items"):
    urlpatterns.insert(0, path("api/v1/seller/", include("catalog.api.urls")))
if not _mounted("/api/v1/categories"):
    urlpatterns.insert(0, path("api/v1/", include("catalog.api.public_urls")))
