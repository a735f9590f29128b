"""Limits that can't be dodged: fixed-window counters for log-in, password reset and the API.

Counted in the default cache (Redis in production), so every process shares one count. Who is
counted comes from `shop.http.client_address` (TRUSTED_PROXIES decides which X-Forwarded-For
entry to believe), the same rule DRF's throttles use.

When the cache fails (Redis down: django-redis raises, or with IGNORE_EXCEPTIONS answers None),
counting moves to a counter inside this process for `FALLBACK_SECONDS`, a warning is logged, and
no request fails because of it: the limits keep holding, per process instead of shared, until
the cache answers again. See docs/decisions/0016-client-address-and-limits.md.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

# After a cache failure, count locally this long before asking the cache again: an unreachable
# Redis host costs a connect timeout per call, which must not be paid on every log-in.
FALLBACK_SECONDS = 30.0
LOCAL_MAX_COUNTERS = 100_000


@dataclass(frozen=True)
class Limit:
    """At most `limit` counted events per `window_seconds` for one key of `scope`."""

    scope: str
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Hit:
    """One counted event: the count it brought the window to, and when the window ends."""

    limit: Limit
    name: str
    count: int
    retry_after: int  # seconds until this window ends (at least 1)

    @property
    def over(self) -> bool:
        return self.count > self.limit.limit


# --- the counters -----------------------------------------------------------------------------

class _LocalCounters:
    """Counters in this process's memory, for while the cache is down. Bounded: past
    LOCAL_MAX_COUNTERS, expired windows go first, then the oldest ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}

    def add(self, name: str, delta: int, expires_at: float) -> int:
        now = time.time()
        with self._lock:
            count, expiry = self._counts.get(name, (0, expires_at))
            if expiry <= now:
                count, expiry = 0, expires_at
            count = max(count + delta, 0)
            self._counts[name] = (count, expiry)
            if len(self._counts) > LOCAL_MAX_COUNTERS:
                self._prune(now)
            return count

    def _prune(self, now: float) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        while len(self._counts) > LOCAL_MAX_COUNTERS:
            del self._counts[next(iter(self._counts))]

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


@dataclass
class _CacheHealth:
    down_until: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_local = _LocalCounters()
_health = _CacheHealth()


def _cache_id() -> str:
    conf = settings.CACHES.get("default", {})
    return f"{conf.get('BACKEND')}:{conf.get('LOCATION')}"


def _cache_is_down() -> bool:
    return _health.down_until.get(_cache_id(), 0.0) > time.monotonic()


def _mark_cache_down(error: object) -> None:
    ident = _cache_id()
    with _health.lock:
        already = _health.down_until.get(ident, 0.0) > time.monotonic()
        _health.down_until[ident] = time.monotonic() + FALLBACK_SECONDS
    if not already:
        logger.warning("Rate limits: the cache (%s) failed (%s); counting in this process for %.0f s, "
                       "then trying it again", ident, error, FALLBACK_SECONDS)


def _cache_add(name: str, delta: int, timeout: int) -> int | None:
    """Add `delta` to the counter in the cache and return it; None when the cache failed."""
    try:
        if delta > 0:
            cache.add(name, 0, timeout)  # its answer can't tell "exists" from "failed"; incr can
            count = cache.incr(name, delta)
        else:
            count = cache.decr(name, -delta)
    except ValueError:  # the key is gone: the window ended between add and incr, or nothing to undo
        if delta <= 0:
            return 0
        try:
            cache.set(name, delta, timeout)
        except Exception as exc:
            _mark_cache_down(exc)
            return None
        return delta
    except Exception as exc:  # django-redis without IGNORE_EXCEPTIONS: the client's error
        _mark_cache_down(exc)
        return None
    if not isinstance(count, int):  # django-redis with IGNORE_EXCEPTIONS answers None
        _mark_cache_down("no answer")
        return None
    return count


def _count(name: str, delta: int, *, timeout: int, expires_at: float) -> int:
    if not _cache_is_down():
        count = _cache_add(name, delta, timeout)
        if count is not None:
            return count
    return _local.add(name, delta, expires_at)


def _window(limit: Limit, key: str) -> tuple[str, int, float]:
    now = time.time()
    index = int(now // limit.window_seconds)
    ends_at = (index + 1) * limit.window_seconds
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # no addresses or emails in the cache
    return f"ratelimit:{limit.scope}:{index}:{digest}", max(1, math.ceil(ends_at - now)), ends_at


def hit(limit: Limit, key: str) -> Hit:
    """Count one event for `key` in the current window of `limit`."""
    name, retry_after, ends_at = _window(limit, key)
    count = _count(name, 1, timeout=retry_after + 1, expires_at=ends_at)
    return Hit(limit=limit, name=name, count=count, retry_after=retry_after)


def undo(counted: Hit) -> None:
    """Give back an event counted by `hit` (nothing if its window has ended meanwhile)."""
    expires_at = time.time() + counted.retry_after
    _count(counted.name, -1, timeout=counted.retry_after + 1, expires_at=expires_at)


def local_counters_clear() -> None:
    """Forget the in-process counters and the cache's health (tests)."""
    _local.clear()
    with _health.lock:
        _health.down_until.clear()


# --- keys -------------------------------------------------------------------------------------

def address_key(address: str) -> str:
    """An address as a limiter counts it: an IPv6 visitor usually holds a whole /64, so the /64
    is one key; IPv4 (also IPv4-mapped IPv6) as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def email_key(email: str) -> str:
    """Accounts log in with their email in any case: one account, one key."""
    return email.strip().lower()


def retry_message(seconds: int) -> str:
    """'You can try again in 4 minutes (at 14:35).', in the shop's time zone."""
    at = timezone.localtime(timezone.now() + timedelta(seconds=seconds)).strftime("%H:%M")
    if seconds < 60:
        return f"You can try again in less than a minute (at {at})."
    minutes = math.ceil(seconds / 60)
    return f"You can try again in {minutes} minute{'s' if minutes != 1 else ''} (at {at})."


# --- log-in ------------------------------------------------------------------------------------

# Failed log-ins only: per account (10 in 5 minutes) and per address (30 in 5 minutes), counted
# apart, so one visitor can't lock out a whole network and a botnet can't guess one account.
LOGIN_PER_ACCOUNT = Limit("login-account", 10, 300)
LOGIN_PER_ADDRESS = Limit("login-address", 30, 300)


@dataclass
class LoginGuard:
    """One log-in attempt under the limits. `locked_for` > 0: refused, don't check the password.

    The attempt is counted before the password is checked (so parallel guesses can't all slip
    under the limit) and given back on success: only failures use up the budget.
    """

    account: Hit | None = None
    address: Hit | None = None
    locked_for: int = 0

    @property
    def locked(self) -> bool:
        return self.locked_for > 0

    def message(self) -> str:
        return "Too many failed log-ins for this email or from your network. " + retry_message(self.locked_for)

    def succeeded(self) -> None:
        for counted in (self.account, self.address):
            if counted is not None:
                undo(counted)
        self.account = self.address = None

    def failed(self) -> int:
        """The password was wrong. Returns how many seconds the account is now locked for when this
        failure used up its last allowed attempt (exactly one failure per window does), else 0."""
        if self.account is not None and self.account.count == self.account.limit.limit:
            return self.account.retry_after
        return 0


def login_guard(*, email: str, address: str) -> LoginGuard:
    account, by_address = hit(LOGIN_PER_ACCOUNT, email_key(email)), hit(LOGIN_PER_ADDRESS, address_key(address))
    over = [h for h in (account, by_address) if h.over]
    if over:
        for counted in (account, by_address):  # refused before any password was checked: not a failure
            undo(counted)
        return LoginGuard(locked_for=max(h.retry_after for h in over))
    return LoginGuard(account=account, address=by_address)
