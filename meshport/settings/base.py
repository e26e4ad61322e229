"""Settings for every environment, read from the environment (12-factor).

With no environment at all Meshport runs embedded: SQLite, the database search backend and
Celery tasks executed inline. ``DATABASE_URL``, ``REDIS_URL`` and ``ELASTICSEARCH_URL`` move it
onto PostgreSQL, a Redis broker with separate workers, and Elasticsearch.
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("MESHPORT_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()


def _development_key(path: Path) -> str:
    """The key of a DEBUG installation: written once (0600), read by every later process."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


# GENERAL
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Production (DEBUG off) needs a long random key of its own: "
        "export SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_urlsafe(50))')\" "
        "(keep it secret and the same on every web and worker process), or set DEBUG=true for a local demo."
    )
if not SECRET_KEY:
    # DEBUG (the demo): a random key made once per installation and kept under var/, never a public one.
    SECRET_KEY = _development_key(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
ROOT_URLCONF = "meshport.urls"
WSGI_APPLICATION = "meshport.wsgi.application"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# DATABASES
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'meshport.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A kept connection (CONN_MAX_AGE > 0) is checked before a request's first query: after a database
# restart the next request reconnects instead of failing on the dead connection (bench/load.py).
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web process read while a worker writes; a busy timeout instead of "locked";
    # IMMEDIATE transactions take the write lock up front, so two writers queue rather than
    # deadlock on a read-to-write upgrade (which SQLite answers with "locked" at once).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# APPS
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "audit",  # the bottom layer: every app below demo may write its events here
    "catalog",
    "search",
    "profiling",
    "governance",
    "lineage",
    "notifications",
    "demo",
]

MIDDLEWARE = [
    "audit.middleware.AuditContextMiddleware",  # outermost: every answer carries X-Request-ID
    "meshport.middleware.ApiErrorMiddleware",  # first: API routes answer every error, all others', as JSON
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the body (its refusals still get the security headers above).
    "meshport.middleware.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out log-in into the "wait" page (429)
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "governance.access.context_processors.access_nav",
                "notifications.context_processors.notifications_nav",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
# Guessing (meshport.authentication): LOGIN_FAILURE_LIMIT failed log-ins for one username from one
# address lock that pair for LOGIN_LOCKOUT_MINUTES (django-axes, counted in the database, so every
# process sees them; each further try restarts the wait); MESHPORT_TOKEN_FAILURE_LIMIT wrong API
# tokens from one address in MESHPORT_TOKEN_FAILURE_WINDOW seconds refuse its tokens until the
# window ends. The address is REMOTE_ADDR: headers a client can forge are not trusted.
AUTHENTICATION_BACKENDS = [
    "meshport.authentication.LoginAttemptBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
MESHPORT_TOKEN_FAILURE_LIMIT = env.int("MESHPORT_TOKEN_FAILURE_LIMIT", default=20)
MESHPORT_TOKEN_FAILURE_WINDOW = env.int("MESHPORT_TOKEN_FAILURE_WINDOW", default=5 * 60)

# CACHES ("throttle": the failed-token counts, shared by every process when REDIS_URL is set)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": (
        # fails open while Redis is away (meshport.cache): its counts are guards, a restart must not be 500s
        {"BACKEND": "meshport.cache.FailOpenRedisCache", "LOCATION": env.str("REDIS_URL", default="")}
        if env.str("REDIS_URL", default="")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "meshport-throttle"}
    ),
}

# STATIC
STATIC_URL = "/static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True  # serve from the source folders too, so collectstatic is optional locally

# SECURITY (secure by default; the embedded demo runs with DEBUG=true over plain HTTP)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): pages run only our own static files. The few inline blocks
# we do not write ourselves (the API docs' templates, overridden in templates/drf_spectacular/)
# carry the request's nonce; style attributes are refused everywhere. data: images: the inline
# favicon and Swagger UI's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# REQUEST BODIES (meshport.middleware, meshport.parsers, meshport.bounded): a body over the limit is
# refused (413) before anything reads it, Django's own form parsing included; JSON and YAML from
# users (bodies, the publish page, descriptor files) may nest so deep, hold so many documents, and
# repeat so many values through YAML aliases.
MESHPORT_MAX_BODY_BYTES = env.int("MESHPORT_MAX_BODY_BYTES", default=2_621_440)  # 2.5 MiB
DATA_UPLOAD_MAX_MEMORY_SIZE = MESHPORT_MAX_BODY_BYTES
MESHPORT_PARSE_MAX_DEPTH = env.int("MESHPORT_PARSE_MAX_DEPTH", default=64)
MESHPORT_PARSE_MAX_DOCUMENTS = env.int("MESHPORT_PARSE_MAX_DOCUMENTS", default=100)
MESHPORT_PARSE_MAX_ALIAS_NODES = env.int("MESHPORT_PARSE_MAX_ALIAS_NODES", default=10_000)

# REST FRAMEWORK
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header turns "no credentials" into 401, not 403.
        "meshport.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "meshport.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "meshport.parsers.JSONParser",
        "meshport.parsers.YAMLParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "meshport.exceptions.exception_handler",
    # ?format= is a product filter (port format), not a renderer override: clients send Accept.
    "URL_FORMAT_OVERRIDE": None,
    # Rates per scope (ScopedRateThrottle), per token. "openlineage": POST /api/v1/lineage and /batch;
    # generous (pipelines post in bursts), it stops a leaked or runaway token from flooding the graph.
    "DEFAULT_THROTTLE_RATES": {
        "openlineage": env.str("MESHPORT_OPENLINEAGE_RATE", default="6000/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Meshport API",
    "DESCRIPTION": "Publish, find, judge and request the data products of a data mesh.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # the errors every operation shares (400, 401, 403, 404, 405, ...), declared once: meshport/openapi.py
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "meshport.openapi.add_shared_errors"],
    # Swagger UI and Redoc served from our own static files: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No deep links: Swagger UI puts each operation's link inside its expand button, a link within a
    # button that keyboards and screen readers cannot reach as either (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    # Fixed names for choice sets whose field names (status, state, kind...) recur across components:
    # without them drf-spectacular derives names from whichever components collide (e.g. "Status720Enum").
    "ENUM_NAME_OVERRIDES": {
        "ProductStatusEnum": "catalog.models.DataProduct.Status",
        "ProductVisibilityEnum": "catalog.models.DataProduct.Visibility",
        "OutputPortKindEnum": "catalog.models.OutputPort.Kind",
        "ColumnClassificationEnum": "catalog.models.Column.Classification",
        "ProfileRunStateEnum": "profiling.models.ProfileRun.State",
        "ProfileRunTriggerEnum": "profiling.models.ProfileRun.Trigger",
        "PiiKindEnum": "profiling.models.PiiSuggestion.Kind",
        "PiiSuggestionStatusEnum": "profiling.models.PiiSuggestion.Status",
        "PiiSuggestionDecisionEnum": ["confirmed", "rejected"],
        "QualityRunStateEnum": "governance.models.QualityRun.State",
        "QualityRunReasonEnum": "governance.models.QualityRun.Reason",
        "LineageNodeKindEnum": "lineage.selectors.graph.LEVELS",
        "ImpactOwnerSourceEnum": "lineage.api.serializers.OWNER_SOURCES",
        "ImpactViaEnum": "lineage.api.serializers.IMPACT_VIA",
    },
}

# CELERY (no REDIS_URL: the embedded default runs every task inline)
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# With acks_late, a message whose worker died is redelivered after this long (longer than any task).
# Deployments (and the worker tests) sharing one Redis keep their tasks apart by queue name.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_BEAT_SCHEDULE: dict = {}  # filled by each app's schedule below

# SEARCH
ELASTICSEARCH_URL = env.str("ELASTICSEARCH_URL", default="")
MESHPORT_SEARCH_INDEX = env.str("MESHPORT_SEARCH_INDEX", default="meshport-products")
# Search by meaning (search.semantic): indexing embeds products with the packaged offline model.
MESHPORT_SEARCH_SEMANTIC = env.bool("MESHPORT_SEARCH_SEMANTIC", default=True)
ELASTICSEARCH_CLOUD_ID = env.str("ELASTICSEARCH_CLOUD_ID", default="")
if ELASTICSEARCH_URL or ELASTICSEARCH_CLOUD_ID:
    # A secured cluster (Elasticsearch 8+ starts with TLS and authentication): README "Running at scale".
    SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.elasticsearch.ElasticsearchBackend",
            "URL": ELASTICSEARCH_URL,
            "CLOUD_ID": ELASTICSEARCH_CLOUD_ID,
            "INDEX": MESHPORT_SEARCH_INDEX,
            "API_KEY": env.str("ELASTICSEARCH_API_KEY", default=""),
            "USERNAME": env.str("ELASTICSEARCH_USERNAME", default=""),
            "PASSWORD": env.str("ELASTICSEARCH_PASSWORD", default=""),
            "CA_CERTS": env.str("ELASTICSEARCH_CA_CERTS", default=""),
            "SSL_FINGERPRINT": env.str("ELASTICSEARCH_SSL_FINGERPRINT", default=""),
            # ELASTICSEARCH_TIMEOUT (older settings, the benchmarks on the emulator) sets both budgets
            "SEARCH_TIMEOUT": env.float("ELASTICSEARCH_SEARCH_TIMEOUT", default=env.float("ELASTICSEARCH_TIMEOUT", default=5.0)),
            "MAINTENANCE_TIMEOUT": env.float("ELASTICSEARCH_MAINTENANCE_TIMEOUT",
                                             default=env.float("ELASTICSEARCH_TIMEOUT", default=120.0)),
            "CLIENT_OPTIONS": env.json("ELASTICSEARCH_CLIENT_OPTIONS", default={}),
            "INDEX_SETTINGS": {
                "number_of_shards": env.int("ELASTICSEARCH_SHARDS", default=1),
                "number_of_replicas": env.int("ELASTICSEARCH_REPLICAS", default=1),
                **env.json("ELASTICSEARCH_INDEX_SETTINGS", default={}),
            },
        }
    }
else:
    SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database.DatabaseBackend"}}
# Reconciliation: dirty products every minute (an index outage heals within a minute of its
# end), a full content-hash comparison every night.
CELERY_BEAT_SCHEDULE["search-reconcile-dirty"] = {
    "task": "search.tasks.search_reconcile_task", "schedule": env.int("SEARCH_RECONCILE_SECONDS", default=60),
}
CELERY_BEAT_SCHEDULE["search-reconcile-full"] = {
    "task": "search.tasks.search_reconcile_task", "schedule": 24 * 3600, "kwargs": {"full": True},
}

# DATA (port locations are user input: only these roots are ever read)
MESHPORT_DATA_ROOTS = [
    Path(p).resolve() for p in env.list("MESHPORT_DATA_ROOTS", default=[str(VAR_DIR / "data")])
]
MESHPORT_DEMO_DATA_DIR = Path(env.str("MESHPORT_DEMO_DATA_DIR", default=str(VAR_DIR / "data" / "demo")))
# Data belongs to a domain (catalog.locations): each domain owns the folder named by its slug under
# each of these folders (unset: the data roots and the demo folder), plus its own prefixes from
# MESHPORT_DOMAIN_LOCATIONS, JSON: {"finance": ["/srv/finance", "postgres://db:5432/dwh/finance"]}.
MESHPORT_DOMAIN_FOLDERS = env.list("MESHPORT_DOMAIN_FOLDERS", default=None)
MESHPORT_DOMAIN_LOCATIONS = env.json("MESHPORT_DOMAIN_LOCATIONS", default={})

# PROFILING (the profiling app: limits on what a profile may read and spend)
MESHPORT_PROFILE_MAX_BYTES = env.int("MESHPORT_PROFILE_MAX_BYTES", default=1 << 30)
MESHPORT_PROFILE_MEMORY_LIMIT = env.str("MESHPORT_PROFILE_MEMORY_LIMIT", default="300MB")
MESHPORT_PROFILE_THREADS = env.int("MESHPORT_PROFILE_THREADS", default=2)
MESHPORT_EXACT_DISTINCT_LIMIT = env.int("MESHPORT_EXACT_DISTINCT_LIMIT", default=100_000)
MESHPORT_QUERY_TIME_LIMIT = env.float("MESHPORT_QUERY_TIME_LIMIT", default=120.0)
MESHPORT_PROFILE_TIME_LIMIT = env.int("MESHPORT_PROFILE_TIME_LIMIT", default=20 * 60)
MESHPORT_PROFILE_HEARTBEAT_SECONDS = env.float("MESHPORT_PROFILE_HEARTBEAT_SECONDS", default=10.0)
# A test-only pause inside a run, so a test can kill the worker mid-profile.
MESHPORT_PROFILE_TEST_DELAY = env.float("MESHPORT_PROFILE_TEST_DELAY", default=0.0)
MESHPORT_PII_SAMPLE_ROWS = env.int("MESHPORT_PII_SAMPLE_ROWS", default=2000)
# SQL table ports: hosts we may connect to, and credentials by "host:port".
MESHPORT_SQL_HOSTS = env.list("MESHPORT_SQL_HOSTS", default=["127.0.0.1", "localhost"])
MESHPORT_SQL_CREDENTIALS: dict = {}
CELERY_BEAT_SCHEDULE["profiling-due-ports"] = {
    "task": "profiling.tasks.profile_due_ports_task",
    "schedule": 15 * 60,
}
CELERY_BEAT_SCHEDULE["profiling-sweep-stale-runs"] = {
    "task": "profiling.tasks.profile_runs_sweep_task",
    "schedule": 5 * 60,
}

# GOVERNANCE (quality: freshness against each product's SLO, hourly)
MESHPORT_QUALITY_RUN_TIME_LIMIT = env.float("MESHPORT_QUALITY_RUN_TIME_LIMIT", default=60.0)  # s, a port's whole run
CELERY_BEAT_SCHEDULE["quality-freshness-hourly"] = {
    "task": "governance.tasks.freshness_check_all_task",
    "schedule": 60 * 60,
}
# Access requests: the longest grant one may ask for (and an approver may give), the length asked
# for when a request names none, and how many days before its end a grant is "expiring soon"
# (notified, and renewable by a new request while the old grant still runs). Expiry runs hourly.
MESHPORT_ACCESS_MAX_DAYS = env.int("MESHPORT_ACCESS_MAX_DAYS", default=365)
MESHPORT_ACCESS_DEFAULT_DAYS = env.int("MESHPORT_ACCESS_DEFAULT_DAYS", default=90)
MESHPORT_ACCESS_EXPIRY_WARNING_DAYS = env.int("MESHPORT_ACCESS_EXPIRY_WARNING_DAYS", default=7)
# E-MAIL: the console in the embedded default; SMTP at scale (EMAIL_URL=smtp+tls://user:pass@host:587)
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Meshport <meshport@localhost>")
CELERY_BEAT_SCHEDULE["access-expiry-notices-hourly"] = {
    "task": "governance.access.tasks.access_expiry_notices_task", "schedule": 3600,
}
CELERY_BEAT_SCHEDULE["access-grants-expire-hourly"] = {
    "task": "governance.access.tasks.access_grants_expire_task",
    "schedule": 60 * 60,
}

# POLICIES (governance.policies): every product against every enabled policy nightly, then the day's summary
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE["policies-evaluate-nightly"] = {
    "task": "governance.policies.tasks.policies_evaluate_all_task",
    "schedule": crontab(hour=2, minute=30),
}

# ACCESS PROVISIONING (governance.access.provisioning): PostgreSQL grants, webhooks, Meshport-served files
_DB = DATABASES["default"]
_DB_IS_POSTGRES = _DB["ENGINE"] == "django.db.backends.postgresql"
MESHPORT_PROVISIONER_POSTGRES_USER = env.str("MESHPORT_PROVISIONER_POSTGRES_USER",
                                             default=_DB.get("USER") if _DB_IS_POSTGRES else "postgres")
MESHPORT_PROVISIONER_POSTGRES_PASSWORD = env.str("MESHPORT_PROVISIONER_POSTGRES_PASSWORD",
                                                 default=_DB.get("PASSWORD", "") if _DB_IS_POSTGRES else "")
MESHPORT_PROVISIONER_ROLE_PREFIX = env.str("MESHPORT_PROVISIONER_ROLE_PREFIX", default="meshport_")
MESHPORT_PROVISIONER_ROLE_LOGIN = env.bool("MESHPORT_PROVISIONER_ROLE_LOGIN", default=False)
MESHPORT_PROVISIONING_WEBHOOKS = env.json("MESHPORT_PROVISIONING_WEBHOOKS", default={})  # {domain_slug: url}
MESHPORT_PROVISIONING_WEBHOOK_URL = env.str("MESHPORT_PROVISIONING_WEBHOOK_URL", default="")
MESHPORT_PROVISIONING_WEBHOOK_SECRETS = env.json("MESHPORT_PROVISIONING_WEBHOOK_SECRETS", default={})
MESHPORT_PROVISIONING_WEBHOOK_SECRET = env.str("MESHPORT_PROVISIONING_WEBHOOK_SECRET", default="")
MESHPORT_PROVISIONING_WEBHOOK_TIMEOUT = env.float("MESHPORT_PROVISIONING_WEBHOOK_TIMEOUT", default=10.0)
MESHPORT_PROVISIONING_MAX_ATTEMPTS = env.int("MESHPORT_PROVISIONING_MAX_ATTEMPTS", default=10)
MESHPORT_PROVISIONING_LEASE_SECONDS = env.int("MESHPORT_PROVISIONING_LEASE_SECONDS", default=300)
MESHPORT_EVENT_SOURCE = env.str("MESHPORT_EVENT_SOURCE", default="/meshport")  # CloudEvents `source`
CELERY_BEAT_SCHEDULE["access-provisioning-sweep"] = {
    "task": "governance.access.provisioning.tasks.provisioning_sweep_task",
    "schedule": env.int("MESHPORT_PROVISIONING_SWEEP_SECONDS", default=60),
}

# LOGGING
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"elastic_transport": {"level": "WARNING"}, "axes": {"level": "WARNING"}},  # axes: lock-outs only
}

# LINEAGE: each process walks the dataset graph from its own copy in memory (lineage.selectors.memory,
# ~70 MB at 100,000 datasets / 300,000 edges); off, every walk runs in SQL.
LINEAGE_MEMORY_GRAPH = env.bool("LINEAGE_MEMORY_GRAPH", default=True)
# Deferred, an OpenLineage request stores the event (202, graph pending) and a worker derives the graph;
# embedded (no workers) the request derives it (201). Pending events left behind are swept every 30 s.
LINEAGE_GRAPH_DEFERRED = env.bool("LINEAGE_GRAPH_DEFERRED", default=not CELERY_TASK_ALWAYS_EAGER)
CELERY_BEAT_SCHEDULE["lineage-apply-pending"] = {"task": "lineage.tasks.lineage_events_apply_task", "schedule": 30}

# NOTIFICATIONS (notifications): subscriptions, the inbox, e-mail and webhooks, lineage-aware incidents
MESHPORT_BASE_URL = env.str("MESHPORT_BASE_URL", default="http://localhost:8000")  # links in e-mails
MESHPORT_NOTIFY_QUALITY_DROP_POINTS = env.float("MESHPORT_NOTIFY_QUALITY_DROP_POINTS", default=5.0)
MESHPORT_NOTIFY_INCIDENT_QUALITY_POINTS = env.float("MESHPORT_NOTIFY_INCIDENT_QUALITY_POINTS", default=10.0)
MESHPORT_NOTIFY_LEASE_SECONDS = env.float("MESHPORT_NOTIFY_LEASE_SECONDS", default=60.0)  # > the webhook timeout
MESHPORT_NOTIFY_MAX_ATTEMPTS = env.int("MESHPORT_NOTIFY_MAX_ATTEMPTS", default=6)
MESHPORT_NOTIFY_RETRY_BASE_SECONDS = env.float("MESHPORT_NOTIFY_RETRY_BASE_SECONDS", default=10.0)
MESHPORT_NOTIFY_RETRY_MAX_SECONDS = env.float("MESHPORT_NOTIFY_RETRY_MAX_SECONDS", default=3600.0)
MESHPORT_WEBHOOK_TIMEOUT = env.float("MESHPORT_WEBHOOK_TIMEOUT", default=10.0)
MESHPORT_WEBHOOK_DISABLE_AFTER = env.int("MESHPORT_WEBHOOK_DISABLE_AFTER", default=10)  # failed attempts in a row
# Whether a webhook may point at loopback, private or link-local addresses (server-side request forgery):
# on with DEBUG (a receiver on the same machine), off otherwise.
MESHPORT_WEBHOOK_ALLOW_PRIVATE = env.bool("MESHPORT_WEBHOOK_ALLOW_PRIVATE", default=DEBUG)
CELERY_BEAT_SCHEDULE["notifications-sweep"] = {"task": "notifications.tasks.notifications_sweep_task", "schedule": 60}
CELERY_BEAT_SCHEDULE["notifications-digest-daily"] = {
    "task": "notifications.tasks.notifications_digest_task", "schedule": crontab(hour=7, minute=0),
}
