from django.shortcuts import render

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
    return render(request, "500.html", status=500)
