"""The API shell: RFC 9457 problem details for every error, and token log-in."""

from __future__ import annotations

import logging
from http import HTTPStatus

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView, set_rollback

from accounts.interface import login_failed
from shop import ratelimit
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
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):  # too many fields, a malformed multipart body…
        exc = exceptions.ParseError("The request is malformed or too large.")

    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled API error", exc_info=exc)
        set_rollback()
        body = problem(500, detail="Something went wrong on our side; it has been logged.")
        return Response(body, status=500, content_type=PROBLEM_CONTENT_TYPE)

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        body = problem(exc.status_code, title="Invalid request", type_="validation",
                       detail="Some fields are not valid.", errors=_field_errors(exc.detail))
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        body = problem(exc.status_code, detail=detail, type_=getattr(exc, "problem_type", "") or "")
        body.update(getattr(exc, "problem_extra", {}) or {})
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class InvalidCredentials(exceptions.APIException):
    status_code = 401
    default_detail = "Email or password is wrong."
    default_code = "invalid_credentials"
    auth_header = 'Token realm="api"'


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


class LoginLocked(exceptions.Throttled):
    default_code = "login_locked"
    problem_type = "login-locked"


class ObtainTokenApi(APIView):
    """POST email and password, get the token for `Authorization: Token <key>`.

    Two limits: every request per address (`auth` rate), and failed log-ins per account and per
    address, shared with the log-in page (`shop.ratelimit.login_guard`)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientAddressThrottle]
    throttle_scope = "auth"

    class TokenInputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})

    @extend_schema(
        request=TokenInputSerializer,
        responses={200: inline_serializer("TokenOutput", {"token": serializers.CharField()})},
        auth=[],
    )
    def post(self, request):
        data = self.TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        guard = ratelimit.login_guard(email=data.validated_data["email"], address=client_address(request))
        if guard.locked:
            locked = LoginLocked(detail=guard.message())
            locked.wait = guard.locked_for  # Retry-After; the message already says when, in words
            raise locked
        user = authenticate(request, email=data.validated_data["email"],
                            password=data.validated_data["password"])
        if user is None or not user.is_active:
            login_failed(guard=guard, email=data.validated_data["email"])
            raise InvalidCredentials()
        guard.succeeded()
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class IsSeller(BasePermission):
    """Sellers only: the seller API's gate. Everything a seller sees is then scoped to them."""

    message = "Only seller accounts can use the seller API."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_seller", False))
