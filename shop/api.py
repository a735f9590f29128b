"""The API shell: RFC 9457 problem details for every error (and in the schema), and token log-in."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from http import HTTPStatus

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.validators import RegexValidator
from django.http import Http404, JsonResponse
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView, set_rollback

from accounts.interface import login_failed
from logistics.interface import PinCodeError, pin_code_check
from shop import ratelimit
from shop.drf import SafeJSONParser
from shop.http import client_address

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://bazaar.example/problems/"


def problem(status: int, *, title: str | None = None, detail: str = "", type_: str = "",
            **extra) -> dict:
    body = {
        "type": PROBLEM_TYPE_BASE + type_ if type_ else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return body


class Problem(exceptions.APIException):
    """The one API error that is not DRF's own: raise it from a view and `problem_exception_handler`
    answers it as problem JSON.

        raise Problem(409, str(exc), "insufficient-stock", items=[...])

    `type` is the problem's kind under PROBLEM_TYPE_BASE (empty: about:blank); `title` is the
    status's phrase unless given; every other keyword is an extension member, in the order given;
    `headers` are sent with the answer (`Retry-After`, `WWW-Authenticate`). A status it answers
    with belongs in the operation's schema too: `problems(409)` (or the hook adds it)."""

    def __init__(self, status: int, detail: str, type: str = "", *, title: str | None = None,
                 headers: dict[str, str] | None = None, **extra) -> None:
        super().__init__(detail)
        self.status_code = status
        self.type = type
        self.title = title
        self.headers = dict(headers or {})
        self.extra = extra

    def __repr__(self) -> str:
        return f"Problem({self.status_code}, {str(self.detail)!r}, {self.type!r})"


def problem_response(status: int, **kwargs) -> JsonResponse:
    """For plain Django views (404/500 handlers) that answer an API client."""
    return JsonResponse(problem(status, **kwargs), status=status, content_type=PROBLEM_CONTENT_TYPE)


def _field_errors(data) -> list[dict]:
    """Flatten DRF's nested validation errors into [{"field": "a.b", "message": "..."}]."""
    errors: list[dict] = []

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and node and not all(isinstance(x, str) for x in node):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")
        else:
            for message in node if isinstance(node, list) else [node]:
                errors.append({"field": path or "non_field_errors", "message": str(message)})

    walk(data, "")
    return errors


def problem_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every API error as application/problem+json."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = Problem(413, "The request body is too large.")
    elif isinstance(exc, SuspiciousOperation):  # too many fields, a malformed multipart body…
        exc = exceptions.ParseError("The request is malformed or too large.")

    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled API error", exc_info=exc)
        set_rollback()
        body = problem(500, detail="Something went wrong on our side; it has been logged.")
        return Response(body, status=500, content_type=PROBLEM_CONTENT_TYPE)

    headers = {}
    # NotAuthenticated and AuthenticationFailed carry an auth_header, Throttled a wait.
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if wait := getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(wait))

    if isinstance(exc, exceptions.ValidationError):
        body = problem(exc.status_code, title="Invalid request", type_="validation",
                       detail="Some fields are not valid.", errors=_field_errors(exc.detail))
    elif isinstance(exc, Problem):
        body = problem(exc.status_code, title=exc.title, detail=str(exc.detail), type_=exc.type, **exc.extra)
        headers.update(exc.headers)
    else:  # DRF's own (NotFound, ParseError, Throttled...): about:blank with their detail
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        body = problem(exc.status_code, detail=detail)
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


# --- Problem JSON in the schema ------------------------------------------------------------------
# Every operation lists every status it can answer. The ones that follow from how the operation is
# built are added by `problem_responses_hook` (SPECTACULAR_SETTINGS' POSTPROCESSING_HOOKS), so no
# view repeats them and a new view can't forget them:
#   400, 413, 415  it takes a request body (invalid, too large, not JSON / multipart);
#   401, 403       it authenticates (401 when its first authenticator challenges, else 403; 403 too
#                  for a permission beyond "logged in", or a missing CSRF token on a session write);
#   404            it has path parameters;
#   429            it is throttled.
# What only the view knows (a 409, a 422, a 503, a 400 on query parameters, a 404 for a made-up
# cursor) it declares next to its other responses: `responses={200: X, **problems(409, 503)}`.
# drf-spectacular calls a request body required when its component has required properties; an
# array body has none, so its operation says `extensions={"x-body-required": True}`.

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details. Extension members (e.g. `errors`, `items`, `available`) "
                   "depend on the problem `type`.",
    "properties": {
        "type": {"type": "string", "format": "uri-reference",
                 "description": "https://bazaar.example/problems/<kind>, or about:blank."},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Validation problems (400): one entry per message.",
            "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                      "required": ["field", "message"]},
        },
    },
    "required": ["type", "title", "status"],
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_DESCRIPTIONS = {
    400: "The request is not valid: `errors` names each field (problem JSON).",
    401: "No credentials, or wrong ones (`WWW-Authenticate` says which scheme).",
    403: "Not allowed: an account without the right (e.g. not a seller), or a session write without its "
         "CSRF token.",
    404: "Nothing here, or nothing of yours.",
    409: "The request conflicts with the current state.",
    413: "The request body is too large.",
    415: "The body is not in a media type this operation reads.",
    422: "Well formed, but it can't be carried out.",
    429: "Too many requests: try again after `Retry-After` seconds.",
    503: "A backend is unavailable for a moment: try again shortly.",
}
_PROBLEM_HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "The scheme to authenticate with."}},
    429: {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."}},
    503: {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait, when known."}},
}
_GENERIC_OBJECT = {"type": "object", "additionalProperties": {}}
_SAFE_METHODS = {"get", "head", "options"}


def problems(*statuses: int | tuple[int, str]) -> dict:
    """Problem responses for `extend_schema(responses=...)`: `problems(409, 503)`, or in the
    operation's own words, `problems((422, "Nothing in the order can reach this PIN code."))`."""
    wanted = dict(s if isinstance(s, tuple) else (s, PROBLEM_DESCRIPTIONS[s]) for s in statuses)
    return {(status, PROBLEM_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.OBJECT, description=text)
            for status, text in sorted(wanted.items())}


def _authentication_statuses(view_class, method: str) -> set[int]:
    authenticators = [cls() for cls in getattr(view_class, "authentication_classes", ())]
    if not authenticators:
        return set()
    # DRF: failed (or, where required, missing) authentication is a 401 when the first
    # authenticator sends a challenge, else a 403.
    statuses = {401 if authenticators[0].authenticate_header(None) else 403}
    if method not in _SAFE_METHODS and any(isinstance(a, SessionAuthentication) for a in authenticators):
        statuses.add(403)  # CSRF
    if any(p not in (AllowAny, IsAuthenticated) for p in getattr(view_class, "permission_classes", ())):
        statuses.add(403)
    return statuses


def _problem_response(status: int, description: str | None = None) -> dict:
    response = {"description": description or PROBLEM_DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
                "content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}}}
    if status in _PROBLEM_HEADERS:
        response["headers"] = _PROBLEM_HEADERS[status]
    return response


def problem_responses_hook(result, generator, request, public):
    """drf-spectacular postprocessing hook: the problem responses every operation can answer."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    views = {(path, method.lower()): callback.cls for path, _, method, callback in generator.endpoints or ()}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            view_class = views.get((path, method))
            statuses: set[int] = set()
            if "requestBody" in operation:
                statuses |= {400, 413, 415}
            if view_class is not None:
                statuses |= _authentication_statuses(view_class, method)
                if getattr(view_class, "throttle_classes", ()):
                    statuses.add(429)
            if any(p.get("in") == "path" for p in operation.get("parameters", ())):
                statuses.add(404)
            if operation.pop("x-body-required", False) and "requestBody" in operation:
                operation["requestBody"]["required"] = True
            responses = operation["responses"]
            for status in sorted(statuses):
                responses.setdefault(str(status), _problem_response(status))
            for status, response in responses.items():
                content = response.get("content", {})
                if PROBLEM_CONTENT_TYPE in content and content[PROBLEM_CONTENT_TYPE].get("schema") in (
                        None, _GENERIC_OBJECT):
                    content[PROBLEM_CONTENT_TYPE]["schema"] = PROBLEM_REF
                    if int(status) in _PROBLEM_HEADERS:
                        response.setdefault("headers", _PROBLEM_HEADERS[int(status)])
            operation["responses"] = dict(sorted(responses.items()))
    return result


# --- Fields whose schema says exactly what they accept ------------------------------------------
# DRF reads a JSON body leniently: 5 is a fine string ("5"), "5" a fine integer. The schema says
# string and integer, so an input body uses these, which take only what the schema calls valid.
# (Query parameters are always text: their serializers keep DRF's own fields.)

class StrictCharField(serializers.CharField):
    """Text, and only text; its length is counted as sent (DRF counts it after trimming, so
    `maxLength + 1` characters with a space at the end passed)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class QueryIntegerField(serializers.IntegerField):
    """An integer query parameter written as one: DRF's also takes "5.0" and " 5"."""

    def to_internal_value(self, data):
        if not (isinstance(data, str) and re.fullmatch(r"-?[0-9]+", data)):
            self.fail("invalid")
        return super().to_internal_value(data)


def query_data(serializer_class, query_params) -> dict:
    """Query parameters as a serializer should read them: DRF skips an empty optional parameter
    given as a QueryDict (`?status=` is taken as no status), where the schema calls "" invalid.
    A list field gets every value of its parameter, any other field the last one."""
    fields = serializer_class().fields
    return {name: values if isinstance(fields.get(name), serializers.ListField) else values[-1]
            for name, values in query_params.lists()}


class WholeRegexField(serializers.RegexField):
    """A RegexField that, like JSON Schema's `pattern` with `^...$`, must match the whole text.

    Python's `$` also matches before a final newline, and CharField trims whitespace before the
    pattern is checked: both let through text the schema calls invalid. Not here."""

    def __init__(self, regex: str, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(regex, **kwargs)
        self._whole = re.compile(regex.removeprefix("^").removesuffix("$"))

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not self._whole.fullmatch(value):
            self.fail("invalid")
        return value


# Text that must not be blank: CharField trims it, and this says so in the schema ("  " is refused).
# Anchored: Schemathesis reads a bare `\S` with a maxLength as "only non-space characters".
NOT_BLANK = RegexValidator(r"^[\s\S]*\S[\s\S]*$", message="This field may not be blank.")
# DRF refuses a NUL character in any text it reads (ProhibitNullCharactersValidator).
NOT_BLANK_NO_NUL_PATTERN = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
# Non-empty: drf-spectacular offers "" as a oneOf alternative of its own when blank is allowed.
NO_NUL_PATTERN = r"^[^\u0000]+$"


class _TextInput(OpenApiSerializerFieldExtension):
    """What an input CharField refuses, in its schema: a NUL character anywhere, and (NOT_BLANK)
    text that is only whitespace. Fields with a pattern of their own (RegexField) or a format
    (EmailField, URLField...) say it already. A serializer that only documents what a service
    checks (`nul_characters_allowed = True`) keeps what that service accepts."""

    target_class = serializers.CharField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        field = self.target
        if (direction == "request" and schema.get("type") == "string" and "pattern" not in schema
                and "format" not in schema and not isinstance(field, serializers.RegexField)
                and not getattr(field.parent, "nul_characters_allowed", False)):
            blank_refused = any(v is NOT_BLANK for v in field.validators)
            schema["pattern"] = NOT_BLANK_NO_NUL_PATTERN if blank_refused else NO_NUL_PATTERN
        return schema


# The API's bodies are JSON: a form encoding can't carry its nested values (an item's attributes,
# an order's lines). Uploads (a CSV file, a picture) name their own parsers.
JSON_ONLY: Sequence[type[BaseParser]] = [SafeJSONParser]

PIN_CODE_PATTERN = r"^[1-9][0-9]{2} ?[0-9]{3}$"


@extend_schema_field({"type": "string", "format": "pin-code", "pattern": PIN_CODE_PATTERN, "example": "110001",
                      "description": "A 6-digit Indian PIN code that India Post has assigned, e.g. 110001 "
                                    "(\"110 001\" is read as 110001). A well-formed code India Post doesn't "
                                    "know is a 400."})
class PinCodeField(WholeRegexField):
    """A PIN code India Post has assigned, as its six digits. The pattern is in the schema; that
    the code exists is checked against the packaged India Post data (logistics)."""

    default_error_messages = {"invalid": "Enter a 6-digit PIN code, like 110001."}

    def __init__(self, **kwargs):
        super().__init__(PIN_CODE_PATTERN, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return pin_code_check(value)
        except PinCodeError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class ClientAddressThrottle(ScopedRateThrottle):
    """DRF's scoped throttle (`throttle_scope` on the view, rates in DEFAULT_THROTTLE_RATES), but
    keyed by `shop.http.client_address` like every other limit, and counted by `shop.ratelimit`
    in fixed windows, so it keeps limiting when the cache is down (DRF's own reads an empty
    history from a failed cache and lets everything through)."""

    def get_ident(self, request: Request) -> str:
        return ratelimit.address_key(client_address(request))

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        num_requests, duration = self.parse_rate(self.rate)
        if num_requests is None or duration is None:
            return True
        counted = ratelimit.hit(ratelimit.Limit(f"api-{self.scope}", num_requests, duration),
                                self.get_ident(request))
        self._wait = counted.retry_after
        return not counted.over

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class ObtainTokenApi(APIView):
    """POST email and password, get the token for `Authorization: Token <key>`.

    Two limits: every request per address (`auth` rate), and failed log-ins per account and per
    address, shared with the log-in page (`shop.ratelimit.login_guard`)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = JSON_ONLY
    throttle_classes = [ClientAddressThrottle]
    throttle_scope = "auth"

    class TokenInputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = StrictCharField(trim_whitespace=False, style={"input_type": "password"})

    @extend_schema(
        request=TokenInputSerializer,
        responses={200: inline_serializer("TokenOutput", {"token": serializers.CharField()}),
                   **problems((401, "Email or password is wrong."))},
        auth=[],
    )
    def post(self, request):
        data = self.TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        guard = ratelimit.login_guard(email=data.validated_data["email"], address=client_address(request))
        if guard.locked:
            # Retry-After in seconds; the message already says when, in words.
            raise Problem(429, guard.message(), "login-locked", headers={"Retry-After": str(int(guard.locked_for))})
        user = authenticate(request, email=data.validated_data["email"],
                            password=data.validated_data["password"])
        if user is None or not user.is_active:
            login_failed(guard=guard, email=data.validated_data["email"])
            raise Problem(401, "Email or password is wrong.", headers={"WWW-Authenticate": 'Token realm="api"'})
        guard.succeeded()
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


def authenticated_user_id(request: Request) -> int:
    """The id of the user an API view behind IsAuthenticated or IsSeller serves (a 401, not a
    None passed on, should a view forget its permission)."""
    user_id = request.user.pk
    if user_id is None:
        raise exceptions.NotAuthenticated()
    return user_id


class IsSeller(BasePermission):
    """Sellers only: the seller API's gate. Everything a seller sees is then scoped to them."""

    message = "Only seller accounts can use the seller API."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_seller", False))
