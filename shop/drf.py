"""DRF building blocks named in REST_FRAMEWORK settings.

Kept apart from shop/api.py: DRF imports these while `rest_framework.views` is still loading, so
this module must not import views.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, but JSON nested deeper than Python's recursion limit is a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON nested too deeply.") from exc


class SafeCursorPagination(CursorPagination):
    """A cursor a client made up (or one from an older ordering) is a 404, not a 500."""

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, OverflowError, DjangoValidationError) as exc:
            raise exceptions.NotFound("Invalid cursor.") from exc
