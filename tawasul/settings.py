"""Tawasul settings: everything comes from the environment (see `.env.example`)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TAWASUL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("TAWASUL_TESTING", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-only-for-debug-and-tests"
    else:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off (see .env.example).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
DEMO_MODE = env_bool("TAWASUL_DEMO", False)

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
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_countries",  # country names in Arabic (its translations)
    "django_htmx",
    "simple_history",
    "axes",
    # allauth's MFA (TOTP, recovery codes) behind our own sign-in page: allauth.mfa needs the
    # allauth and allauth.account apps installed; their pages and URLs are not used
    # (docs/development/two-factor.md).
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "huey.contrib.djhuey",
    "tawasul.core",
    "tawasul.org",
    "tawasul.access",
    "tawasul.contacts",
    "tawasul.documents",
    "tawasul.activities",
    "tawasul.catalog",
    "tawasul.portal",
    "tawasul.demo",
]
# What a portal account is about ("app_label.ModelName", like AUTH_USER_MODEL): the access app
# points its PortalAccount at it without importing the module that owns it (which declares it,
# see `tawasul.access.registry.portal_subject`).
TAWASUL_PORTAL_SUBJECT_MODEL = "contacts.Contact"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tawasul.core.middleware.UserPreferencesMiddleware",
    "tawasul.access.middleware.AccessMiddleware",
    # allauth.account requires its middleware (it gives allauth the current request).
    "allauth.account.middleware.AccountMiddleware",
    # Administrators without two-factor sign-in reach only its set-up (MFA_REQUIRED_FOR_ADMINS).
    "tawasul.access.mfa.MfaEnrolmentMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tawasul.urls"
WSGI_APPLICATION = "tawasul.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tawasul" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tawasul.core.context_processors.shell",
            ],
        },
    }
]

# Content Security Policy: scripts only from our own static files (no inline script, no eval);
# styles may be inline (style attributes, and the small style blocks htmx and Tom Select add);
# no framing, no plugins, forms post only here. Everything is served by the app itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# The contacts' covering name index carries extra columns on PostgreSQL only; on SQLite the same
# index without them is what is wanted (docs/development/access-at-scale.md).
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Widgets are written in Python for the common cases (same markup, a fraction of the time).
FORM_RENDERER = "tawasul.core.renderers.FastWidgetRenderer"

# Database: SQLite (WAL) under var/ unless DATABASE_URL says otherwise.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # JIT compilation costs more than it saves on short OLTP queries like list pages.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "tawasul.sqlite3",
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Tests hash thousands of factory passwords: MD5 first makes each one cost microseconds
    # instead of Argon2's ~100 ms. The tests of sign-in and passwords put Argon2 back with
    # @pytest.mark.real_password_hasher (tawasul/conftest.py; docs/development/testing.md).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's model backend that also refuses deactivated employees and portal accounts.
    "tawasul.access.accounts.AccountBackend",
]
# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT failures for one user name from one
# client address, that pair (and only that pair) waits AXES_COOLOFF_MINUTES. The sign-in page,
# the token endpoint and the Django admin all count. Behind reverse proxies set CLIENT_IP_HEADER
# (and CLIENT_IP_PROXY_COUNT), or every client looks like the proxy (docs/operator.md).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "tawasul.core.http.client_ip"
AXES_LOCKOUT_CALLABLE = "tawasul.core.auth_views.lockout_response"
AXES_ENABLED = env_bool("AXES_ENABLED", not TESTING)
# The request header holding the client's address as the proxies saw it (e.g. X-Forwarded-For
# or X-Real-IP), and how many proxies in front of Tawasul append to it. Unset: REMOTE_ADDR.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "").strip()
CLIENT_IP_PROXY_COUNT = int(os.environ.get("CLIENT_IP_PROXY_COUNT", "1"))
# API tokens end after this many days unused, and this many days after they were made (0: no
# limit); a password change ends them all (tawasul/access/tokens.py).
API_TOKEN_IDLE_DAYS = int(os.environ.get("API_TOKEN_IDLE_DAYS", "30"))
API_TOKEN_MAX_DAYS = int(os.environ.get("API_TOKEN_MAX_DAYS", "180"))
# Two-factor sign-in (allauth.mfa's TOTP and recovery codes; tawasul/access/mfa.py). When true,
# superusers and users who may change roles (auth.change_group) must set it up before they can
# use anything else. Default: on, except under tests and in demo mode (one-step demo sign-ins).
MFA_REQUIRED_FOR_ADMINS = env_bool("MFA_REQUIRED_FOR_ADMINS", not (TESTING or DEMO_MODE))
MFA_ADAPTER = "tawasul.access.mfa.TawasulMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "Tawasul")
# Codes of the previous and next 30-second step are accepted too (phones' clocks drift).
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODE_COUNT = 10
# How long the code step of a sign-in waits after the password was accepted.
MFA_SIGN_IN_TIMEOUT = timedelta(minutes=5)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "tawasul" / "locale"]
# Numbers in Arabic pages with a decimal point and comma thousands, as in forms (core/formats).
FORMAT_MODULE_PATH = ["tawasul.core.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Riyadh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "tawasul" / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/tom-select", NODE_MODULES / "tom-select" / "dist"),
    ("vendor/fullcalendar", NODE_MODULES / "fullcalendar"),
    (
        "vendor/fullcalendar-locales",
        NODE_MODULES / "fullcalendar" / "node_modules" / "@fullcalendar" / "core" / "locales",
    ),
]
STORAGES = {
    "default": {
        "BACKEND": "tawasul.core.storage.EncryptedFileSystemStorage",
        "OPTIONS": {"location": Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))


def _file_encryption_keys() -> list[str]:
    """Master keys for files at rest: FILE_ENCRYPTION_KEYS (comma-separated base64 keys, the first
    one current), else one kept in the var folder, made once (atomically) on first start."""
    configured = env_list("FILE_ENCRYPTION_KEYS")
    if configured:
        return configured
    import base64
    import secrets

    path = VAR_DIR / "file_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        scratch = VAR_DIR / f".file_key.{os.getpid()}.{secrets.token_hex(4)}"
        handle = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable
        with os.fdopen(handle, "w") as out:  # by others, not even for a moment
            out.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        try:
            os.link(scratch, path)  # fails if another process made it first: theirs is kept
        except FileExistsError:
            pass
        finally:
            scratch.unlink()
    return [path.read_text().strip()]


# Every uploaded or generated file is encrypted before it reaches storage (core/storage.py).
FILE_ENCRYPTION_KEYS = _file_encryption_keys()
# Largest import file accepted, in bytes.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
# One import runs in one transaction; SQLite has a single writer, so keep its imports shorter.
IMPORT_MAX_ROWS = int(
    os.environ.get("IMPORT_MAX_ROWS", "100000" if os.environ.get("DATABASE_URL") else "10000")
)
# Files attached to records (tawasul.documents): the largest accepted, in bytes, and the kinds
# accepted, read from the content (pdf png jpeg gif webp docx xlsx pptx odt ods odp txt csv).
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
ATTACHMENT_TYPES = env_list(
    "ATTACHMENT_TYPES", "pdf,png,jpeg,gif,webp,docx,xlsx,pptx,odt,ods,odp,txt,csv"
)
# Working hours between the levels of an overdue task's escalation (activities.escalation).
TASK_ESCALATION_HOURS = float(os.environ.get("TASK_ESCALATION_HOURS", "8"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Mail: console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = os.environ.get(
        "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
    )
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Tawasul <noreply@localhost>")

# Task queue: Huey on SQLite under var/ by default, on Redis when REDIS_URL is set,
# immediate (in-process) under tests.
REDIS_URL = os.environ.get("REDIS_URL", "")
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", TESTING)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": os.environ.get("HUEY_NAME", "tawasul"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": int(os.environ.get("HUEY_WORKERS", "2")), "worker_type": "thread"},
    }
else:
    # Huey opens its SQLite file when Django starts, so its folder must exist.
    Path(os.environ.get("HUEY_SQLITE_PATH", VAR_DIR / "huey.sqlite3")).parent.mkdir(
        parents=True, exist_ok=True
    )
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "tawasul",
        "filename": str(Path(os.environ.get("HUEY_SQLITE_PATH", VAR_DIR / "huey.sqlite3"))),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": int(os.environ.get("HUEY_WORKERS", "2")), "worker_type": "thread"},
    }

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL and not TESTING
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tawasul.access.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tawasul.access.api.ModelActionPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "tawasul.core.api.KeysetCursorPagination",
    # JSON nested deeper than a few dozen levels answers 400 instead of exhausting the stack.
    "DEFAULT_PARSER_CLASSES": [
        "tawasul.core.api.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tawasul.core.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tawasul API",
    "DESCRIPTION": "Contacts, organization, master data and the communicator (tasks, follow-ups, reminders, notifications, messages, templates, files and notes) of the Tawasul CRM.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs are for signed-in staff, as the API itself.
    "SERVE_PERMISSIONS": ["tawasul.access.accounts.IsStaffUser"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name across models get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "TaskStatusEnum": "tawasul.activities.choices.TaskStatus",
        "FollowUpStatusEnum": "tawasul.activities.choices.FollowUpStatus",
        "ChannelEnum": "tawasul.activities.choices.Channel",
    },
}

PHONENUMBER_DEFAULT_REGION = os.environ.get("PHONE_DEFAULT_REGION", "SA")

# Production hardening; all on unless DEBUG.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG and not TESTING)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG and not TESTING)
SECURE_HSTS_SECONDS = int(
    os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG or TESTING else "31536000")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"huey": {"level": "INFO"}},
}
