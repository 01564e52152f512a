"""Settings, read from the environment (django-environ).

`DJANGO_ENV=development` (the default, used by `make run` and `make test`) gives a working setup
with no services: SQLite under var/ and Celery's filesystem transport under var/broker/.
`DJANGO_ENV=production` turns DEBUG off, requires SECRET_KEY and ALLOWED_HOSTS, and enables the
secure-cookie/HSTS settings checked by `manage.py check --deploy`.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise environ.ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'")
DEVELOPMENT = DJANGO_ENV == "development"

if DEVELOPMENT:
    SECRET_KEY = env.str("SECRET_KEY", default="development-only-not-secret-" + "x" * 40)
else:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: production refuses to start without it

DEBUG = env.bool("DEBUG", default=DEVELOPMENT)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEVELOPMENT else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "core.adminsite.RedressAdminConfig",  # django.contrib.admin with the junk guard
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "pgtrigger",  # audit tables refuse UPDATE/DELETE/TRUNCATE on PostgreSQL (core.audit)
    "rest_framework",
    "core",
    "api",
    "webhooks",
    "complaints",
    "escalation",
    "compensation",
    "portal",
    "mail",
    "privacy",
    "regimes",
    "reports",
    "letters",
    "django_prometheus",
    "ops",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first: times the whole request
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified() (core.access)
    "complaints.middleware.StaffLanguageMiddleware",  # the user's pick over the browser's
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # after auth: turns a locked-out login into the lockout page
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # last
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'redress.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for the writer lock instead of failing at once when the web process and the
    # Celery worker write at the same moment.
    # IMMEDIATE: a transaction takes the write lock when it begins, so a read-then-write
    # transaction waits its turn instead of failing with "database is locked".
    # WAL: readers never wait for the writer (web, worker and beat share the file), and with
    # synchronous=NORMAL a commit is not an fsync (the database stays consistent; a power cut
    # may lose the last commits): 1,000 ingested mails take seconds, not a minute (bench/mail.py).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Access (issue 15): a second factor for approvers, and password guessing throttled ---------
# REDRESS_OTP_REQUIRED: team leads, managers and superusers must enrol a TOTP app and sign in
# with it before they work (and the approval service refuses an unverified session). Off in
# development so `make run` signs in with the demo password alone; on in production.
REDRESS_OTP_REQUIRED = env.bool("REDRESS_OTP_REQUIRED", default=not DEVELOPMENT)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Redress")
# django-axes: after AXES_FAILURE_LIMIT wrong passwords for one username from one address, that
# pair is refused for AXES_COOLOFF_MINUTES (the right password too), with the lockout page.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.access.lockout_response"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
if not DEVELOPMENT:
    # Static files straight from the app (gunicorn alone serves the admin), before sessions;
    # development's runserver serves them itself.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

# Development writes every email as a file under var/mail/outbox/ (no mail server needed);
# production sends through SMTP (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
# EMAIL_USE_TLS or EMAIL_USE_SSL).
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.filebased.EmailBackend"
    if DEVELOPMENT
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# A send must end well within the mail outbox lease (120 s), or another worker could send again.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="redress@localhost")

# Celery: the filesystem transport needs no server; production sets CELERY_BROKER_URL to Redis.
BROKER_DIR = Path(env.str("CELERY_FILESYSTEM_DIR", default=str(VAR_DIR / "broker")))
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "webhook-pump": {
        "task": "webhooks.tasks.webhook_pump",
        "schedule": env.float("WEBHOOK_PUMP_INTERVAL", default=5.0),
    },
}

# Webhooks: retries back off 30 s, 1 min, 2 min, ... capped at 6 h; give up after 8 attempts.
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=6 * 3600)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
# Staff mail from the outbox: a failing message is retried each run (after its lease) this often.
MAIL_MAX_ATTEMPTS = env.int("MAIL_MAX_ATTEMPTS", default=8)
# The total time of one attempt: lookup, connect, TLS, send, status line, a capped body excerpt.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# How many deliveries are attempted at once (threads of one pump); the claim lease grows with it.
WEBHOOK_CONCURRENCY = env.int("WEBHOOK_CONCURRENCY", default=8)
# Internal networks webhooks may reach anyway (comma-separated CIDRs). Development allows loopback
# and the private ranges so local receivers work; production allows none unless set. Cloud
# metadata addresses (169.254.169.254, ...) are refused whatever this says.
WEBHOOK_ALLOWED_NETWORKS = [
    str(ipaddress.ip_network(n.strip(), strict=False))
    for n in env.list(
        "WEBHOOK_ALLOWED_NETWORKS",
        default=(
            ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
            if DEVELOPMENT
            else []
        ),
    )
    if n.strip()
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

# LOG_FORMAT=json (production's default): one JSON object per line (core.logging.JsonFormatter).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEVELOPMENT else "json")
if LOG_FORMAT not in {"text", "json"}:
    raise environ.ImproperlyConfigured("LOG_FORMAT must be 'text' or 'json'")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes logs every login at INFO; lockouts (WARNING) are what an operator needs.
    # WeasyPrint logs every layout step of a letter at INFO: only its warnings are news.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}

# --- Operations (issue 15): /health/live, /health/ready, /metrics (ops) -------------------------
# /metrics answers a bearer REDRESS_METRICS_TOKEN or a client in REDRESS_METRICS_ALLOWED_IPS
# (comma-separated addresses or CIDRs); with neither set it is a 404.
REDRESS_METRICS_TOKEN = env.str("REDRESS_METRICS_TOKEN", default="")
REDRESS_METRICS_ALLOWED_IPS = [
    str(ipaddress.ip_network(n.strip(), strict=False))
    for n in env.list("REDRESS_METRICS_ALLOWED_IPS", default=[])
    if n.strip()
]

if not DEVELOPMENT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Probes and scrapers talk plain HTTP to the process; a redirect would fail them.
    SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Escalation (issue 4): the deadline sweep, run by beat every REDRESS_SWEEP_INTERVAL seconds.
# `expires` drops sweeps queued while no worker ran; the next one does all the work anyway.
REDRESS_SWEEP_INTERVAL = env.int("REDRESS_SWEEP_INTERVAL", default=30)
REDRESS_SWEEP_BATCH_SIZE = env.int("REDRESS_SWEEP_BATCH_SIZE", default=1000)
# Response policies are read on every change; each process keeps them this long (0: never).
REDRESS_POLICY_CACHE_SECONDS = env.int("REDRESS_POLICY_CACHE_SECONDS", default=60)
REDRESS_BASE_URL = env.str("REDRESS_BASE_URL", default="http://127.0.0.1:8000")
# The customer link (/c/<token>/) works while the complaint is open and this many days after it
# closes; each link takes at most REDRESS_CUSTOMER_LINK_RATE requests per minute (then a 429).
REDRESS_CUSTOMER_LINK_DAYS = env.int("REDRESS_CUSTOMER_LINK_DAYS", default=30)
REDRESS_CUSTOMER_LINK_RATE = env.int("REDRESS_CUSTOMER_LINK_RATE", default=30)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail" / "outbox"))
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu otherwise keeps its exchange table in ./control of whatever directory it runs in.
    CELERY_BROKER_TRANSPORT_OPTIONS["control_folder"] = str(BROKER_DIR / "control")
CELERY_BEAT_SCHEDULE["escalation-deadline-sweep"] = {
    "task": "escalation.deadline_sweep",
    "schedule": float(REDRESS_SWEEP_INTERVAL),
    "options": {"expires": float(max(2 * REDRESS_SWEEP_INTERVAL, 10))},
}
# The engine's invariants (DESIGN §2a), checked with repair every REDRESS_INVARIANTS_INTERVAL s.
REDRESS_INVARIANTS_INTERVAL = env.int("REDRESS_INVARIANTS_INTERVAL", default=3600)
CELERY_BEAT_SCHEDULE["escalation-check-invariants"] = {
    "task": "escalation.check_invariants",
    "schedule": float(REDRESS_INVARIANTS_INTERVAL),
    "options": {"expires": float(max(REDRESS_INVARIANTS_INTERVAL * 5 // 6, 10))},
}
# --- Personal data (issue 15): retention. A customer is anonymised this many years after their
# last complaint closed (per category: Personal data › Retention rules in the admin), by beat
# every REDRESS_RETENTION_INTERVAL s, REDRESS_RETENTION_BATCH_SIZE customers a run at most.
REDRESS_RETENTION_YEARS = env.int("REDRESS_RETENTION_YEARS", default=6)
REDRESS_RETENTION_BATCH_SIZE = env.int("REDRESS_RETENTION_BATCH_SIZE", default=500)
REDRESS_RETENTION_INTERVAL = env.int("REDRESS_RETENTION_INTERVAL", default=86400)
CELERY_BEAT_SCHEDULE["privacy-retention"] = {
    "task": "privacy.retention_run",
    "schedule": float(REDRESS_RETENTION_INTERVAL),
    "options": {"expires": float(max(REDRESS_RETENTION_INTERVAL * 5 // 6, 10))},
}
# --- i18n: the languages of the practice Redress encodes; the compiled .mo files are committed,
# so nothing here needs gettext installed. LocaleMiddleware picks the language per request from
# the browser; a staff user's own pick (StaffProfile.language) wins over it.
LANGUAGES = [
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("th", "ไทย"),
    ("bg", "Български"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# --- REST API (/api/v1/): token auth, one error shape, throttling, OpenAPI -----------------------
INSTALLED_APPS += ["drf_spectacular", "drf_spectacular_sidecar"]
REST_FRAMEWORK.update(
    {
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "api.auth.ApiTokenAuthentication",  # first: a 401 says "Token"
            "rest_framework.authentication.SessionAuthentication",
        ],
        "DEFAULT_PARSER_CLASSES": ["api.rest.JSONParser"],
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_THROTTLE_CLASSES": ["api.rest.ApiThrottle"],
        "EXCEPTION_HANDLER": "api.rest.exception_handler",
        "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
    }
)
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="1200/min")  # per token
# How long an Idempotency-Key is remembered; an hourly beat task forgets older ones.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=72)
CELERY_BEAT_SCHEDULE["idempotency-purge"] = {
    "task": "api.tasks.idempotency_purge",
    "schedule": 3600.0,
    "options": {"expires": 3000.0},
}
# The throttle counts in Django's cache: per process by default; with several web processes set
# CACHE_URL=redis://host:6379/1 so all of them share one count per token.
CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
        }
    }
SPECTACULAR_SETTINGS = {
    "TITLE": "Redress API",
    "DESCRIPTION": (
        "Complaint intake and workflow for external systems. Authenticate with "
        "`Authorization: Token <key>` (`manage.py create_api_token <username>`). Every error "
        'is `{"code", "message", "fields"}`. Retry a POST safely with an `Idempotency-Key` '
        "(a replay is marked `Idempotent-Replayed: true`); send a complaint's `ETag` back as "
        "`If-Match` to be refused (409) if it changed; lists are cursor-paginated: follow "
        "`next` and `previous`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.postprocess",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CompensationKindEnum": "complaints.serializers.COMPENSATION_KINDS",
        "WebhookEventEnum": "webhooks.models.EVENT_TYPES",
        "StateEnum": "complaints.models.State",
        "TierEnum": "complaints.models.Tier",
        "FaultEnum": "complaints.models.Fault",
        "OutcomeEnum": "complaints.models.Outcome",
        "CustomerRequestEnum": "complaints.models.CustomerRequest",
        "CompensationNatureEnum": "complaints.serializers.COMPENSATION_NATURES",
        "MessageKindEnum": "complaints.models.MessageKind",
        "LetterKindEnum": "letters.models.LetterKind",
        "LetterSourceEnum": "letters.models.LetterSource",
        "TransitionEnum": "complaints.serializers.TRANSITION_NAMES",
        "CurrencyEnum": "compensation.serializers.currencies",
        "WholeCurrencyEnum": "compensation.serializers.whole_currencies",
        "CentsCurrencyEnum": "compensation.serializers.cents_currencies",
        "MillsCurrencyEnum": "compensation.serializers.mills_currencies",
        "NonMoneyKindEnum": "compensation.serializers.non_money_kinds",
        "DeadlineKindEnum": "escalation.models.DeadlineKind",
        "DeadlineStatusEnum": "escalation.models.DeadlineStatus",
        "TimelineEntryKindEnum": ["message", "step"],
        "ComplaintViewStaffEnum": ["staff"],
        "ComplaintViewCustomerEnum": ["customer"],
    },
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999}
    },
}
# --- Customer email (issue 11): every public message is mailed to the customer ------------------
# From, Reply-To and the signature under every mail; Message-IDs are made in MAIL_FROM's domain
# unless MAIL_MESSAGE_ID_DOMAIN says otherwise.
MAIL_FROM = env.str("MAIL_FROM", default=DEFAULT_FROM_EMAIL)
MAIL_REPLY_TO = env.str("MAIL_REPLY_TO", default="")
MAIL_SIGNATURE = env.str("MAIL_SIGNATURE", default="Your customer care team")
MAIL_MESSAGE_ID_DOMAIN = env.str(
    "MAIL_MESSAGE_ID_DOMAIN", default=MAIL_FROM.rpartition("@")[2].strip(">") or "localhost"
)
# A mail that could not be sent is retried after 1 min, 2 min, 4 min, ... (capped at 6 h) and
# given up after MAIL_CUSTOMER_MAX_ATTEMPTS; an SMTP 5xx refusal fails it at once.
MAIL_RETRY_BASE_SECONDS = env.int("MAIL_RETRY_BASE_SECONDS", default=60)
MAIL_RETRY_MAX_SECONDS = env.int("MAIL_RETRY_MAX_SECONDS", default=6 * 3600)
MAIL_CUSTOMER_MAX_ATTEMPTS = env.int("MAIL_CUSTOMER_MAX_ATTEMPTS", default=8)
# Each mail is sent by a task enqueued at commit; this sweep sends whatever no task did.
CELERY_BEAT_SCHEDULE["mail-send-due"] = {
    "task": "mail.send_due",
    "schedule": env.float("MAIL_SWEEP_INTERVAL", default=15.0),
    "options": {"expires": 60.0},
}
# Inbound mail: `manage.py mail_ingest` (an MTA pipe) or the maildir MAIL_INBOX_DIR, polled by
# beat every MAIL_INBOX_INTERVAL s (on by default: `make run` drops into var/mail/inbox/new/).
# The original of every mail is kept in the default storage (MEDIA_ROOT, under mail/inbound/).
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# --- attachments (complaints.services.attachments) ---------------------------------------------
# Files of messages live in the "attachments" storage: the filesystem under MEDIA_ROOT by default,
# an S3-compatible bucket with ATTACHMENT_STORAGE=s3 (django-storages; AWS_STORAGE_BUCKET_NAME,
# AWS_S3_ENDPOINT_URL for MinIO and the like, AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY). Files are never public: the app streams them after its permission check.
ATTACHMENT_STORAGE = env.str("ATTACHMENT_STORAGE", default="filesystem")
if ATTACHMENT_STORAGE == "s3":
    _attachment_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("AWS_LOCATION", default="attachments"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif ATTACHMENT_STORAGE == "filesystem":
    _attachment_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise environ.ImproperlyConfigured("ATTACHMENT_STORAGE is 'filesystem' or 's3'.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production: WhiteNoise serves what collectstatic wrote — hashed names (cached for ever)
    # and gzip and brotli copies — so gunicorn alone serves the admin.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEVELOPMENT
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
    "attachments": _attachment_storage,
}
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)  # one file
ATTACHMENT_MAX_MESSAGE_BYTES = env.int("ATTACHMENT_MAX_MESSAGE_BYTES", default=25 * 1024 * 1024)
ATTACHMENT_MAX_FILES = env.int("ATTACHMENT_MAX_FILES", default=10)  # per message
MAIL_INBOX_DIR = env.str("MAIL_INBOX_DIR", default=str(VAR_DIR / "mail" / "inbox"))
MAIL_QUARANTINE_DIR = env.str("MAIL_QUARANTINE_DIR", default=str(VAR_DIR / "mail" / "quarantine"))
MAIL_INBOX_INTERVAL = env.float("MAIL_INBOX_INTERVAL", default=10.0)
MAIL_INBOUND_MAX_BYTES = env.int("MAIL_INBOUND_MAX_BYTES", default=10 * 1024 * 1024)
MAIL_INBOUND_PER_SENDER_PER_HOUR = env.int("MAIL_INBOUND_PER_SENDER_PER_HOUR", default=20)
# A reply to a remedied complaint within this many days of the remedy reopens it.
MAIL_REOPEN_WINDOW_DAYS = env.int("MAIL_REOPEN_WINDOW_DAYS", default=30)
if MAIL_INBOX_DIR:
    CELERY_BEAT_SCHEDULE["mail-inbox-poll"] = {
        "task": "mail.inbox_poll",
        "schedule": MAIL_INBOX_INTERVAL,
        "options": {"expires": max(MAIL_INBOX_INTERVAL, 5.0)},
    }
# The IMAP door: beat polls MAIL_IMAP_FOLDER every MAIL_IMAP_INTERVAL s, only when MAIL_IMAP_HOST
# is set. Always encrypted: implicit TLS (`tls`, port 993) or STARTTLS (`starttls`, port 143);
# the server's certificate is checked against the system's CAs, or MAIL_IMAP_CA_FILE's.
# Ingested mail is flagged seen, and moved to MAIL_IMAP_PROCESSED_FOLDER when that is set (then
# the whole folder is polled, not only unseen mail); quarantined mail is flagged and moved to
# MAIL_IMAP_QUARANTINE_FOLDER when set.
MAIL_IMAP_HOST = env.str("MAIL_IMAP_HOST", default="")
MAIL_IMAP_SECURITY = env.str("MAIL_IMAP_SECURITY", default="tls")
if MAIL_IMAP_SECURITY not in ("tls", "starttls"):
    raise environ.ImproperlyConfigured("MAIL_IMAP_SECURITY must be 'tls' or 'starttls'")
MAIL_IMAP_PORT = env.int("MAIL_IMAP_PORT", default=993 if MAIL_IMAP_SECURITY == "tls" else 143)
MAIL_IMAP_USER = env.str("MAIL_IMAP_USER", default="")
MAIL_IMAP_PASSWORD = env.str("MAIL_IMAP_PASSWORD", default="")
MAIL_IMAP_FOLDER = env.str("MAIL_IMAP_FOLDER", default="INBOX")
MAIL_IMAP_PROCESSED_FOLDER = env.str("MAIL_IMAP_PROCESSED_FOLDER", default="")
MAIL_IMAP_QUARANTINE_FOLDER = env.str("MAIL_IMAP_QUARANTINE_FOLDER", default="")
MAIL_IMAP_CA_FILE = env.str("MAIL_IMAP_CA_FILE", default="")
MAIL_IMAP_TIMEOUT = env.int("MAIL_IMAP_TIMEOUT", default=30)
MAIL_IMAP_INTERVAL = env.float("MAIL_IMAP_INTERVAL", default=60.0)
if MAIL_IMAP_HOST:
    CELERY_BEAT_SCHEDULE["mail-imap-poll"] = {
        "task": "mail.imap_poll",
        "schedule": MAIL_IMAP_INTERVAL,
        "options": {"expires": max(MAIL_IMAP_INTERVAL, 5.0)},
    }
