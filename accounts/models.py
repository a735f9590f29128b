from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.validators import validate_pin_code


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def _create(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an email address: customer, seller or staff."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    pin_code = models.CharField(
        max_length=6, blank=True, validators=[validate_pin_code],
        help_text="The PIN code delivery dates are shown for.",
    )
    is_seller = models.BooleanField(default=False)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.email])[0]

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django signs each session with an HMAC of the password, so a password change ends every
        other session. The privilege flags are signed too: when staff grant or take away staff,
        superuser or seller rights (or deactivate the account), every session made under the old
        rights ends and the person logs in again, into a new session."""
        privileges = f"{int(self.is_staff)}{int(self.is_superuser)}{int(self.is_seller)}{int(self.is_active)}"
        return salted_hmac("accounts.User.session_auth_hash", f"{self.password}|{privileges}", secret=secret,
                           algorithm="sha256").hexdigest()


class Address(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=40, blank=True, help_text="Home, Work, ...")
    full_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=20)
    line1 = models.CharField("Address line 1", max_length=200)
    line2 = models.CharField("Address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=100)
    pin_code = models.CharField("PIN code", max_length=6, validators=[validate_pin_code])
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "addresses"
        # One default per user is kept by address_create/address_set_default: MariaDB has no
        # partial unique indexes to say it in the schema.
        ordering = ["-is_default", "-created_at"]

    def __str__(self) -> str:
        return f"{self.full_name}, {self.line1}, {self.city} {self.pin_code}"
