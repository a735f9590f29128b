from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.static import serve

from shop.api import problem_response


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


def media(request: HttpRequest, path: str) -> HttpResponse:
    """An uploaded picture, where no web server in front serves MEDIA_URL (not in production)."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)
