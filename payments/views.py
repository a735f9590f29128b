"""The simulated gateway's hosted page, and the webhook every gateway calls back on."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from payments.backends.base import GatewayError, InvalidNotification
from payments.backends.simulated import SimulatedGateway
from payments.models import Payment, SimulatedCharge
from payments.services import gateway, notification_receive
from shop.api import problem_response
from shop.references import order_references

DECISIONS = {"pay", "fail", "cancel"}


@require_http_methods(["GET", "POST"])
def simulated_page(request: HttpRequest, ref: str) -> HttpResponse:
    charge = get_object_or_404(SimulatedCharge, ref=ref)
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        if decision not in DECISIONS:
            return render(request, "payments/simulated.html", {**_page(charge), "error": "Choose a button."},
                          status=400)
        SimulatedGateway().customer_decides(gateway_ref=ref, decision=decision)
        target = charge.return_url
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = "/"
        separator = "&" if "?" in target else "?"
        return HttpResponseRedirect(f"{target}{separator}payment={decision}")
    return render(request, "payments/simulated.html", _page(charge))


def _page(charge: SimulatedCharge) -> dict[str, object]:
    """The charge, and its order as the customer knows it (its number)."""
    return {"charge": charge, "order_reference": order_references([charge.order_id])[charge.order_id]}


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, gateway_name: str) -> HttpResponse:
    try:
        notification_receive(gateway_name=gateway_name, body=request.body, headers=request.headers)
    except InvalidNotification as exc:
        return problem_response(400, title="Invalid notification", detail=str(exc), type_="invalid-notification")
    return HttpResponse(status=200)


STRIPE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "https://js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["'self'", "https://api.stripe.com"],
    "img-src": ["'self'", "data:", "https:"],
    "style-src": ["'self'"],
}


@csp_override(STRIPE_CSP)
def stripe_page(request: HttpRequest, intent_id: str) -> HttpResponse:
    """Where the customer pays with Stripe Elements (the only page that loads Stripe's script)."""
    from payments.backends.stripe import StripeGateway  # loaded already when Stripe is the gateway

    port = gateway()
    payment = get_object_or_404(Payment, gateway="stripe", gateway_ref=intent_id)
    if not isinstance(port, StripeGateway):  # the gateway named "stripe"; only it has a client secret
        return render(request, "payments/unavailable.html", status=404)
    try:
        client_secret = port.client_secret(gateway_ref=intent_id)
    except GatewayError:
        return render(request, "payments/unavailable.html", status=503)
    return render(request, "payments/stripe.html", {
        "payment": payment, "publishable_key": port.publishable_key,
        "client_secret": client_secret,
        "return_url": request.build_absolute_uri(f"/orders/{payment.order_id}/"),
    })
