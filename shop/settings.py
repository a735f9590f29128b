"""Bazaar settings: one module, every choice read from the environment.

BAZAAR_ENV=production switches on the production posture: DEBUG off, a real
SECRET_KEY required, secure cookies, HSTS. Without it the project runs in
development with embedded backends and needs no server at all.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from shop.config import backends_from_env, database_from_url, env_bool, env_int, env_list, trusted_proxies_from_env

BASE_DIR = Path(__file__).resolve().parent.parent
# Embedded backends keep their files here (SQLite, search index, broker folder, mail).
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)
ENV = os.environ
BAZAAR_ENV = ENV.get("BAZAAR_ENV", "development")
if BAZAAR_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"BAZAAR_ENV={BAZAAR_ENV!r}: use 'development' or 'production'.")
PRODUCTION = BAZAAR_ENV == "production"

DEV_SECRET_KEY = "django-insecure-bazaar-development-only"
SECRET_KEY = ENV.get("SECRET_KEY", "" if PRODUCTION else DEV_SECRET_KEY)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "BAZAAR_ENV=production needs SECRET_KEY: at least 50 random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

# Off unless asked for (`make dev` asks): Django's debug pages list every URL and setting, and a
# shop started with `make run` is one people use.
DEBUG = env_bool(ENV, "DJANGO_DEBUG", default=False)
# Where emails link back to (the shop's public address).
SITE_URL = ENV.get("SITE_URL", "http://127.0.0.1:8000")
ALLOWED_HOSTS = env_list(ENV, "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list(ENV, "CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "shop",
    "events",
    "accounts",
    "catalog",
    "search",
    "logistics",
    "inventory",
    "cart",
    "wishlist",
    "orders",
    "payments",
    "recommendations",
    "notifications",
    "reviews",
    "invoicing",
]

MIDDLEWARE = [
    "shop.middleware.RequestIdMiddleware",
    "shop.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "shop.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and JSON gzipped for clients that ask; after WhiteNoise, so static files keep its
    # precompressed copies (docs/decisions/0021, BREACH included).
    "shop.middleware.CompressPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # The header's cache reads (the user included) in one round trip (docs/decisions/0024).
    "shop.middleware.RequestPrefetchMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
ASGI_APPLICATION = "shop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.storefront",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------
DATABASES = {"default": database_from_url(ENV.get("DATABASE_URL"), base_dir=BASE_DIR)}
# The design puts cart and wishlist on their own hardware: give each its own alias, which
# defaults to the main database until CART_DATABASE_URL / WISHLIST_DATABASE_URL say otherwise.
for _alias in ("cart", "wishlist"):
    _url = ENV.get(f"{_alias.upper()}_DATABASE_URL")
    if _url:
        DATABASES[_alias] = database_from_url(_url, base_dir=BASE_DIR)
DATABASE_ROUTERS = ["shop.routers.OwnDatabaseRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = ENV.get("REDIS_URL")
CACHES: dict[str, dict[str, Any]]  # as django-stubs declares it (the two shapes below differ)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "shop.cache.TimedRedisCache",  # django-redis, timed for /metrics
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": ENV.get("CACHE_KEY_PREFIX", "bazaar"),
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient",
                        "SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2,
                        # Redis down: reads miss and writes are dropped (logged), pages still
                        # answer from the database rather than every one failing.
                        "IGNORE_EXCEPTIONS": True},
        }
    }
else:
    # No Redis: a SQLite file beside the database (var/cache/bazaar.sqlite3), which every process
    # of `make run` shares (web workers, Celery workers, beat), with `add` and `incr` atomic across
    # them for the locks and rate limits. Not local memory: one copy per process kept the header's
    # counts stale after the worker changed them (docs/decisions/0018).
    CACHES = {"default": {"BACKEND": "shop.cache.TimedSQLiteCache", "LOCATION": "",
                          "KEY_PREFIX": ENV.get("CACHE_KEY_PREFIX", "bazaar")}}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# ModelBackend with the session's user read through the cache (docs/decisions/0024). Sessions
# made before it named ModelBackend: those visitors log in once more.
AUTHENTICATION_BACKENDS = ["accounts.backends.CachedModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PROFILE_CACHE_SECONDS = env_int(ENV, "PROFILE_CACHE_SECONDS", 3600)

# --- Email (the notifications port's transport) ----------------------------------------------
# Django 6.1's MAILERS: SMTP when EMAIL_HOST is set, else messages land as files in var/mail.
_email_host = ENV.get("EMAIL_HOST", "")
if _email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": env_int(ENV, "EMAIL_PORT", 587),
                "username": ENV.get("EMAIL_HOST_USER", ""),
                "password": ENV.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool(ENV, "EMAIL_USE_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = ENV.get("DEFAULT_FROM_EMAIL", "Bazaar <shop@bazaar.example>")

# --- Locale -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-in"
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / "var" / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security ---------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:", "https:"],
    "style-src": ["'self'"],
    "script-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool(ENV, "SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int(ENV, "SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# How many proxies of ours stand in front of the application: which X-Forwarded-For entry is the
# visitor's address for every limit (shop.http.client_address; DRF's NUM_PROXIES alike).
TRUSTED_PROXIES = trusted_proxies_from_env(ENV)

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.CachedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "shop.drf.SafeCursorPagination",
    "DEFAULT_PARSER_CLASSES": [
        "shop.drf.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "shop.api.problem_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": ENV.get("AUTH_THROTTLE_RATE", "10/min")},
    "NUM_PROXIES": TRUSTED_PROXIES,  # None would make DRF believe any X-Forwarded-For
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bazaar API",
    "DESCRIPTION": "Customer and seller API of the Bazaar storefront. Errors are RFC 9457 problem JSON.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI from our own static files: the CSP allows no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # A PATCH body keeps its required fields (the cart's quantity is required); by default
    # drf-spectacular makes every PATCH field optional whatever the serializer says.
    "COMPONENT_SPLIT_PATCH": False,
    # `<id:...>` (shop/converters.py): a database id, 1 to 2**63 - 1.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "format": "int64", "minimum": 1,
                                        "maximum": 9223372036854775807}},
    # Every operation's problem JSON responses (400/401/403/404/413/415/429), from how it is built.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "shop.api.problem_responses_hook"],
    # Orders and shipments both have a `status` with choices of their own.
    "ENUM_NAME_OVERRIDES": {"OrderStatusEnum": "orders.models.Order.Status",
                            "ShipmentStatusEnum": "orders.models.Shipment.Status"},
}

# --- Returns ----------------------------------------------------------------------------------
# Days after delivery a customer may ask to return an item, by category path or path prefix (the
# longest match wins); "" is every other category. 0: not returnable (food, say).
RETURN_WINDOW_DAYS = {"": 10, "electronics": 7, "fashion": 30, "books": 7, "grocery": 0}

# --- Backends (ports) -------------------------------------------------------------------------
BAZAAR_BACKENDS = backends_from_env(ENV)

# --- Logistics ---------------------------------------------------------------------------------
# How long a process trusts its own copy of a PIN code's routes before asking the shared cache.
LOGISTICS_LOCAL_ROUTES_SECONDS = env_int(ENV, "LOGISTICS_LOCAL_ROUTES_SECONDS", 10)

# --- Orders and payments ---------------------------------------------------------------------
ORDER_EXPIRY_SECONDS = env_int(ENV, "ORDER_EXPIRY_SECONDS", 300)
# When the gateway can't be asked at expiry, stock stays held at most this much longer; then the
# order is cancelled and a payment that succeeds later is a late payment (decision 0015).
ORDER_EXPIRY_GATEWAY_WAIT_SECONDS = env_int(ENV, "ORDER_EXPIRY_GATEWAY_WAIT_SECONDS", 600)
# A payment success that arrives after its order expired: "honour" re-reserves the stock and
# places the order if it can (else refunds); "refund" always gives the money back.
LATE_PAYMENT_POLICY = ENV.get("LATE_PAYMENT_POLICY", "honour")
if LATE_PAYMENT_POLICY not in {"honour", "refund"}:
    raise ImproperlyConfigured(f"LATE_PAYMENT_POLICY={LATE_PAYMENT_POLICY!r}: use 'honour' or 'refund'.")
# How long after a failed or expired payment cancelled an order the customer may pay for it again
# ("Try paying again", decision 0033); at most two days whatever is set (orders.services.retry).
ORDER_RETRY_WINDOW_SECONDS = env_int(ENV, "ORDER_RETRY_WINDOW_SECONDS", 86400)
SHIPPING_FEE_PAISE = env_int(ENV, "SHIPPING_FEE_PAISE", 4000)
FREE_SHIPPING_FROM_PAISE = env_int(ENV, "FREE_SHIPPING_FROM_PAISE", 49900)
# Cash on delivery (docs/decisions/0034-cash-on-delivery.md): offered for an order of at most
# COD_MAX_ORDER_PAISE (₹50,000) to a PIN code no courier of ours refuses to collect cash at
# (logistics.interface.cash_on_delivery_available; "744" is the Andaman and Nicobar Islands).
# A delivered COD parcel whose cash is not recorded after COD_COLLECTION_DAYS is a reconciliation
# finding.
COD_MAX_ORDER_PAISE = env_int(ENV, "COD_MAX_ORDER_PAISE", 5_000_000)
COD_EXCLUDED_PIN_PREFIXES = env_list(ENV, "COD_EXCLUDED_PIN_PREFIXES", ["744"])
COD_COLLECTION_DAYS = env_int(ENV, "COD_COLLECTION_DAYS", 7)
# Order numbers people read: BZ-26-0001234 (prefix, year, sequence of the year; orders.numbers).
ORDER_NUMBER_PREFIX = ENV.get("ORDER_NUMBER_PREFIX", "BZ")
# Delivered and cancelled orders move to the order archive this long after their last change.
ORDER_ARCHIVE_AFTER_DAYS = env_int(ENV, "ORDER_ARCHIVE_AFTER_DAYS", 30)
# --- GST invoices (docs/decisions/0031-gst-invoices.md) -----------------------------------------
# The GST rate (whole per cent) of an item by its category: the longest key that is its category's
# path or a path prefix of it ("electronics" covers "electronics/mobiles"; a key
# "electronics/mobiles" would win over it), else GST_DEFAULT_RATE. Rates as notified from
# 22 September 2025 (the 5 % / 18 % slabs). Apparel and footwear are 5 % up to ₹2,500 a piece and
# 18 % above: not modelled yet (one rate per category).
GST_RATES = {
    "electronics": 18,
    "fashion": 5,
    "books": 0,
    "home-kitchen": 18,
    "toys": 5,
    "grocery": 5,
}
GST_DEFAULT_RATE = env_int(ENV, "GST_DEFAULT_RATE", 18)
PAYMENTS_SIMULATED_SECRET = ENV.get("PAYMENTS_SIMULATED_SECRET", SECRET_KEY + ":simulated-gateway")
PAYMENTS_SIMULATED_CALLBACK_DELAY = env_int(ENV, "PAYMENTS_SIMULATED_CALLBACK_DELAY", 1)

# --- Events -----------------------------------------------------------------------------------
EVENTS_RELAY_LANES = env_int(ENV, "EVENTS_RELAY_LANES", 4)
EVENTS_RELAY_BATCH = env_int(ENV, "EVENTS_RELAY_BATCH", 200)
EVENTS_RELAY_LEASE_SECONDS = env_int(ENV, "EVENTS_RELAY_LEASE_SECONDS", 30)
EVENTS_MAX_BACKOFF_SECONDS = env_int(ENV, "EVENTS_MAX_BACKOFF_SECONDS", 300)
# After a commit that wrote events, ask a worker to relay them now rather than at the next sweep.
EVENTS_RELAY_ON_COMMIT = env_bool(ENV, "EVENTS_RELAY_ON_COMMIT", True)
# Published events and consumers' handled-markers are kept this long, then purged daily.
EVENTS_KEEP_DAYS = env_int(ENV, "EVENTS_KEEP_DAYS", 14)
# Analytics events (searches, behaviour) are written in batches by a thread of each process: every
# this many seconds, or at once when the batch fills (events/buffer.py; docs/decisions/0025).
EVENTS_ANALYTICS_FLUSH_SECONDS = float(ENV.get("EVENTS_ANALYTICS_FLUSH_SECONDS", "1"))
EVENTS_ANALYTICS_BATCH = env_int(ENV, "EVENTS_ANALYTICS_BATCH", 500)

# --- Celery -----------------------------------------------------------------------------------
# No broker configured: kombu's filesystem transport, a folder of message files that the web
# process and the worker started by `make run` share. It needs no server (docs/decisions/0002).
CELERY_BROKER_URL = ENV.get("CELERY_BROKER_URL", "filesystem://localhost/")
CELERY_FILESYSTEM_DIR = VAR_DIR / "celery"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _folder in ("queue", "processed", "control"):
        (CELERY_FILESYSTEM_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_DIR / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_DIR / "queue"),
        "processed_folder": str(CELERY_FILESYSTEM_DIR / "processed"),
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
        "store_processed": False,
    }
else:
    # Redis hands a message that a dead worker held to another worker after this long (its default:
    # an hour). Longer than any countdown we schedule (an order's expiry), or Redis would deliver an
    # ETA task a second time while a worker still waits on it (docs/resilience.md).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": max(900, 2 * ORDER_EXPIRY_SECONDS)}
CELERY_TASK_IGNORE_RESULT = True
# Workers log through LOGGING (JSON lines with the request id in production), not Celery's own setup.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = env_bool(ENV, "CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Money never waits behind the event relay (docs/decisions/0015): the gateway's callbacks, order
# expiry (per order and the sweep), voids and refunds go to their own queue, which its own worker
# consumes (scripts/run); the relay and everything else use the default queue. The names come
# from the environment so a test's worker can take queues of its own on a shared broker.
CELERY_TASK_DEFAULT_QUEUE = ENV.get("CELERY_DEFAULT_QUEUE", "celery")
PAYMENTS_TASK_QUEUE = ENV.get("CELERY_PAYMENTS_QUEUE", "payments")
PAYMENTS_QUEUE_TASKS = ("payments.simulated_callback", "orders.expire_order", "orders.expire_stale",
                        "orders.void_payment", "orders.refund_payment")
CELERY_TASK_ROUTES = {name: {"queue": PAYMENTS_TASK_QUEUE} for name in PAYMENTS_QUEUE_TASKS}
# Commits that wrote events kick the relay at most once per this many seconds (per cache: with
# Redis, for the whole site); a kicked relay drains what it finds, the 5 s sweep catches the rest.
EVENTS_RELAY_KICK_SECONDS = env_int(ENV, "EVENTS_RELAY_KICK_SECONDS", 1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # The sweep behind the on-commit kick: whatever a lost kick left behind goes out here.
    "events-relay": {"task": "events.relay", "schedule": timedelta(seconds=5)},
    # Behind each order's own expiry task: a lost task still expires its order.
    "orders-expire-stale": {"task": "orders.expire_stale", "schedule": timedelta(seconds=30)},
    "events-purge": {"task": "events.purge", "schedule": timedelta(hours=24)},
    "orders-reconcile": {"task": "orders.reconcile", "schedule": timedelta(hours=1)},
    # MongoDB attribute documents that could not be written at commit time are retried here.
    "catalog-sync-item-documents": {"task": "catalog.sync_item_documents", "schedule": timedelta(seconds=60)},
    "logistics-serviceability": {"task": "logistics.compute_serviceability",
                                 "schedule": crontab(hour=2, minute=30)},
    "cart-purge-abandoned": {"task": "cart.purge_abandoned", "schedule": timedelta(days=1)},
    # Delivered and cancelled orders older than ORDER_ARCHIVE_AFTER_DAYS move to the archive store.
    "orders-archive": {"task": "orders.archive", "schedule": crontab(hour=3, minute=15)},
    # Items marked stale by catalog and stock events are re-indexed in one engine commit.
    "search-flush": {"task": "search.flush_stale_items", "schedule": timedelta(seconds=5)},
    # The recommendations' Spark batch jobs, nightly: popular, als, also_bought, als_eval (decision 0023).
    "recommendations-batch-jobs": {"task": "recommendations.batch_jobs", "schedule": crontab(hour=4, minute=0)},
    # Behaviour events waiting in the lake inbox (in-process bus) written to the lake (decision 0023),
    # often enough for the live reports to show an order within a minute (decision 0027); the small
    # files that makes are merged hourly, once their hour has ended.
    "recommendations-lake-drain": {"task": "recommendations.lake_drain", "schedule": 15.0},
    "recommendations-lake-compact": {"task": "recommendations.lake_compact", "schedule": crontab(minute=20)},
}

# --- Logging ----------------------------------------------------------------------------------
# --- Logs and metrics (docs/decisions/0019-monitoring.md) -------------------------------------
# LOG_FORMAT=json: one JSON object per line with the request id (the default in production);
# plain: for people reading a terminal.
LOG_FORMAT = ENV.get("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use 'json' or 'plain'.")
# /metrics needs `Authorization: Bearer <METRICS_TOKEN>` when set, and is not served in production
# without it.
METRICS_TOKEN = ENV.get("METRICS_TOKEN", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "shop.observability.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
                   "json": {"()": "shop.observability.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "stream": sys.stderr,
                             "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": ENV.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "kafka": {"level": "WARNING"}},
}
