import hmac
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.static import serve
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from shop import metrics
from shop.api import problem_response

logger = logging.getLogger(__name__)


def _wants_problem_json(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _wants_problem_json(request):
        return problem_response(404, detail="There is nothing at this address.")
    return render(request, "404.html", status=404)


def server_error(request):
    if _wants_problem_json(request):
        return problem_response(500, detail="Something went wrong on our side; it has been logged.")
    # No request context: whatever broke the page (database, cache) must not break this one too.
    return HttpResponseServerError(loader.get_template("500.html").render())


def healthz(request):
    """Liveness for load balancers, and the trivial view benchmarks compare against."""
    return HttpResponse("ok", content_type="text/plain")


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database(s), the cache and the task broker answer. 503 names what doesn't, so a
    load balancer stops sending customers here (`/healthz` stays a liveness check)."""
    checks = {"database": _check(_databases_answer), "cache": _check(_cache_answers),
              "broker": _check(_broker_answers)}
    ready = all(result == "ok" for result in checks.values())
    return JsonResponse({"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503)


def _check(probe) -> str:
    try:
        probe()
    except Exception as exc:  # what failed is the answer, not an error of this view
        logger.warning("readyz: %s failed", probe.__name__, exc_info=True)
        return f"failed: {type(exc).__name__}"
    return "ok"


def _databases_answer() -> None:
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")


def _cache_answers() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, 1, 10)
    if cache.get(key) != 1:
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def _broker_answers() -> None:
    from shop.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics (shop.metrics). In production only with `Authorization: Bearer
    <METRICS_TOKEN>`; without METRICS_TOKEN set there, not served at all."""
    token = settings.METRICS_TOKEN
    if settings.PRODUCTION or token:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not token or not hmac.compare_digest(offered.encode(), token.encode()):
            raise Http404("No metrics here.")
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)  # what Prometheus 2 reads


def media(request: HttpRequest, path: str) -> HttpResponse | FileResponse:
    """An uploaded picture, where no web server in front serves MEDIA_URL (not in production)."""
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))
