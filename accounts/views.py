"""Accounts pages. Thin: forms check the input, services in accounts.services do the work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from accounts.forms import AddressForm, EmailAuthenticationForm, ProfileForm, SignupForm
from accounts.pin import SESSION_KEY as PIN_SESSION_KEY
from accounts.pin import current_pin_get, current_pin_set
from accounts.selectors import Profile, address_list, profile_get
from accounts.services import address_create, login_failed, profile_update, user_signup
from shop.http import RedirectThenRun, client_address, logged_in_user_id, safe_next_url
from shop.ratelimit import Limit, address_key, email_key, hit, login_guard


def _next_param(request: HttpRequest) -> str:
    """The `next` the visitor came with, if it points back at this site; else ""."""
    return safe_next_url(request)


def _posted(request: HttpRequest):
    """The submitted data on a POST (even an empty one, so it shows errors), else None."""
    return request.POST if request.method == "POST" else None


def _safe_next(request: HttpRequest) -> str:
    return _next_param(request) or resolve_url("home")


class LoginView(auth_views.LoginView):
    """Django's log-in under `shop.ratelimit.login_guard`: failed log-ins are limited per account
    and per address apart; a successful one gives its count back."""

    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.guard = login_guard(email=request.POST.get("username", ""), address=client_address(request))
        if self.guard.locked:
            form = self.get_form()
            form.add_error(None, self.guard.message())
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(self.guard.locked_for)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        self.guard.succeeded()
        return super().form_valid(form)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        login_failed(guard=self.guard, email=self.request.POST.get("username", ""))
        return super().form_invalid(form)


# An inbox gets at most 3 reset emails an hour, a visitor may ask 10 times an hour.
RESET_PER_ADDRESS = Limit("reset-address", 10, 3600)
RESET_PER_EMAIL = Limit("reset-email", 3, 3600)


class PasswordResetView(auth_views.PasswordResetView):
    """The page answers the same, in the same time, whether or not the email has an account.

    Before the answer only work that doesn't depend on the email's owner is done (check the
    form, count both limits); looking the account up, making the token, rendering and sending
    the email happen once the redirect has gone out (`RedirectThenRun`), so neither the page nor
    its timing nor a mail server's error tells anyone who has an account.
    """

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        email = email_key(form.cleaned_data["email"])
        limits = [hit(RESET_PER_ADDRESS, address_key(client_address(self.request))),
                  hit(RESET_PER_EMAIL, email)]
        if any(counted.over for counted in limits):
            return RedirectThenRun(self.get_success_url())
        opts = {
            "use_https": self.request.is_secure(),
            "token_generator": self.token_generator,
            "from_email": self.from_email,
            "email_template_name": self.email_template_name,
            "subject_template_name": self.subject_template_name,
            "request": self.request,
            "html_email_template_name": self.html_email_template_name,
            "extra_email_context": self.extra_email_context,
        }
        return RedirectThenRun(self.get_success_url(), after=lambda: form.save(**opts))


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out. See you soon.")
        return response


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return HttpResponseRedirect(_safe_next(request))
    form = SignupForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_signup(email=data["email"], password=data["password1"],
                               full_name=data["full_name"], pin_code=current_pin_get(request))
        except IntegrityError:  # the same email signed up a moment ago, in another request
            form.add_error("email", "There is already an account with this email. Log in instead?")
        else:
            login(request, user, backend="accounts.backends.CachedModelBackend")
            messages.success(request, f"Welcome to Bazaar, {user.get_short_name()}!")
            return HttpResponseRedirect(_safe_next(request))
    return render(request, "accounts/signup.html", {"form": form, "next": _next_param(request)})


def _own_profile(request: HttpRequest) -> Profile:
    """The logged-in user's profile (behind @login_required). An account deactivated since this
    request began has none."""
    current = profile_get(user_id=logged_in_user_id(request))
    if current is None:
        raise PermissionDenied("This account is not active.")
    return current


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    current = _own_profile(request)
    initial = {"full_name": current.full_name, "phone": current.phone, "pin_code": current.pin_code}
    form = ProfileForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(user_id=current.user_id, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("pin_code", error)
        else:
            # The header prefers a PIN chosen in this session; the profile's PIN is now the one.
            request.session.pop(PIN_SESSION_KEY, None)
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {
        "form": form, "profile": current, "addresses": address_list(user_id=current.user_id),
    })


@login_required
def address_add(request: HttpRequest) -> HttpResponse:
    current = _own_profile(request)
    initial = {"full_name": current.full_name, "phone": current.phone, "pin_code": current.pin_code}
    form = AddressForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            address_create(
                user_id=current.user_id, full_name=data["full_name"], phone=data["phone"],
                line1=data["line1"], line2=data["line2"], city=data["city"], state=data["state"],
                pin_code=data["pin_code"], label=data["label"], make_default=data["make_default"],
            )
        except ValidationError as error:
            form.add_error("pin_code", error)
        else:
            messages.success(request, "Address added.")
            return redirect("accounts:profile")
    return render(request, "accounts/address_form.html", {"form": form})


@require_POST
def pin_set(request: HttpRequest) -> HttpResponse:
    """The header's PIN chooser: remember the PIN (session, and profile when logged in), go back."""
    try:
        pin = current_pin_set(request, request.POST.get("pin_code", ""))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"Your PIN code is {pin}: you see what delivers there, and when.")
    return HttpResponseRedirect(_safe_next(request))


password_reset = PasswordResetView.as_view(
    template_name="accounts/password_reset_form.html",
    email_template_name="accounts/password_reset_email.txt",
    subject_template_name="accounts/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html",
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html",
)
