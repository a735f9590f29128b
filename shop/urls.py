import re

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from shop import views
from shop.api import ObtainTokenApi

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token", ObtainTokenApi.as_view(), name="auth-token"),
    path("seller/", include("catalog.api.urls")),
    path("seller/", include("invoicing.api.urls")),
    path("", include("catalog.api.public_urls")),
    path("", include("orders.api.urls")),
    path("", include("inventory.api.urls")),
    path("", include("cart.api.urls")),
    path("", include("wishlist.api.urls")),
    path("", include("search.api.urls")),
    path("", include("recommendations.api.urls")),
    path("", include("notifications.api.urls")),
]

urlpatterns = [
    path("", include("recommendations.urls")),
    path("", include("orders.urls")),
    path("", include("catalog.urls")),
    path("accounts/", include("accounts.urls")),
    path("cart/", include("cart.urls")),
    path("wishlist/", include("wishlist.urls")),
    path("search/", include("search.urls")),
    path("notifications/", include("notifications.urls")),
    path("reviews/", include("reviews.urls")),
    path("payments/", include("payments.urls")),
    path("invoices/", include("invoicing.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view: Swagger UI's init script is its own request (?script), as the CSP wants.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
         name="api-docs"),
]

if not settings.PRODUCTION:
    # Sellers' uploaded pictures on a machine with no web server in front (`make run`, `make dev`);
    # in production the web server or object storage serves MEDIA_URL.
    media_prefix = re.escape(settings.MEDIA_URL.lstrip("/"))
    urlpatterns += [re_path(rf"^{media_prefix}(?P<path>.*)$", views.media, name="media")]

handler404 = "shop.views.page_not_found"
handler500 = "shop.views.server_error"
