"""Settings for Plenum, read from the environment (see README, "Configuration").

One file past 400 lines on purpose: every setting and the environment variable
that sets it stand in one place.
"""

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.db.models import FETCH_PEERS, FETCH_RAISE
from django.utils.csp import CSP
from django_prose_editor.config import html_tags
from js_asset import static_lazy

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG")
HTTPS = envbool("HTTPS")

# A development key lives in an untracked file that `make` creates; production
# must set SECRET_KEY explicitly, so a checkout never runs on a guessable key.
SECRET_KEY_FILE = BASE_DIR / ".secret_key"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and SECRET_KEY_FILE.exists():
    SECRET_KEY = SECRET_KEY_FILE.read_text().strip()
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
        "(or run `make key` for a local development key)."
    )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1")

SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if urlsplit(SITE_URL).scheme not in ("http", "https") or not urlsplit(SITE_URL).netloc:
    raise ImproperlyConfigured(f"SITE_URL must be an absolute http(s) URL, not {SITE_URL!r}.")

INSTALLED_APPS = [
    "office",
    "releases",
    "events",
    "distribution",
    "office.apps.PlenumAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_prose_editor",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "simple_history",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside WhiteNoise and the page cache, so static files and cached pages
    # get the headers too, with a policy computed per response.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "office.site.security.SecurityHeadersMiddleware",
    # Before anything answers: a request Django cannot read is a 400 on every path.
    "office.site.security.BadRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answers 304, from a cached page or a fresh one alike.
    "django.middleware.http.ConditionalGetMiddleware",
    # Compression inside the page cache: a hit is stored compressed, with its
    # ETag, so it is neither compressed nor hashed again (office/publishing/cache.py).
    "office.publishing.cache.PageCacheMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    # ETag and Last-Modified of the plain page, before GZip pads it at random
    # (office/publishing/conditional.py).
    "office.publishing.conditional.PlainValidatorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Inside the page cache: a redirect is decided per request, by the release's status now.
    "releases.redirects.OldAddressMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Versions record who saved them (office/publishing/revisions.py).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as its documentation asks: it turns a lockout into the German page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "office.urls"
WSGI_APPLICATION = "office.wsgi.application"

TEMPLATES = [
    # The public site (templates/): Jinja2, for speed (office/site/templating.py says why).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "environment": "office.site.templating.environment",
            "context_processors": ["office.site.context_processors.site"],
        },
    },
    # The admin and its overrides (office/templates/admin/): Django's templates.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writing transactions take the lock when they begin, not at their first write:
    # two admin saves then run one after the other, and the second sees the first's
    # version number (office/publishing/revisions.py) instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    # Write-ahead log: readers (the admin's progress) never wait for the worker's
    # write transaction, and a commit needs no fsync, where the Presseverteiler
    # commits once per e-mail. A killed process loses nothing
    # committed; a power cut may lose the last commits, never the file (README).
    DATABASES["default"]["OPTIONS"]["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
    )
    # A write waits this long for the lock rather than failing: longer than the
    # worker holds it while an SMTP server takes its time with one e-mail (20 s),
    # so an admin page (its session is saved on every request) waits, never a 500.
    DATABASES["default"]["OPTIONS"]["timeout"] = 30
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# "state" holds the page cache's content generation: every worker process and
# host must see an edit at once, so it is never per-process memory.
if REDIS_URL := os.environ.get("REDIS_URL"):
    REDIS = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Redis answers within a millisecond or two: a quarter second is ample,
        # and all a hung one costs, since office/publishing/cache.py then leaves it alone
        # for a while and serves pages uncached.
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
    CACHES = {"default": REDIS, "state": {**REDIS, "KEY_PREFIX": "state"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
        "state": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("CACHE_STATE_DIR", BASE_DIR / ".cache-state"),
        },
    }

# Background work (photo renditions, mail) waits in the database for
# `manage.py db_worker`: no broker to run, and a task enqueued on commit is in the
# same database as the rows it reads.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# Outgoing mail (the Presseverteiler, notifications) through the SMTP server of
# EMAIL_URL; unset, nothing leaves the machine: every mail is written to a file
# in SENT_MAIL_DIR, readable in the admin in DEBUG (README, "E-Mail").
def smtp_mailer(url: str) -> dict:
    """Return a MAILERS entry for smtp://, smtp+tls:// (STARTTLS) or smtps:// (TLS) URLs."""
    parts = urlsplit(url)
    security = {"smtp": {}, "smtp+tls": {"use_tls": True}, "smtps": {"use_ssl": True}}
    if parts.scheme not in security or not parts.hostname:
        raise ImproperlyConfigured(
            "EMAIL_URL must look like smtp://host:port, smtp+tls://user:password@host:587 "
            f"or smtps://user:password@host:465, not {parts.scheme}://…"
        )
    options = {"host": parts.hostname, "port": parts.port, "timeout": 20, **security[parts.scheme]}
    if parts.username:
        options |= {"username": unquote(parts.username), "password": unquote(parts.password or "")}
    return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}


SENT_MAIL_DIR = Path(os.environ.get("SENT_MAIL_DIR", BASE_DIR / "sent-mail"))
EMAIL_URL = os.environ.get("EMAIL_URL", "").strip()
if EMAIL_URL:
    MAILERS = {"default": smtp_mailer(EMAIL_URL)}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(SENT_MAIL_DIR)},
        }
    }
    # Without EMAIL_URL a site deliberately sends nothing (DESIGN.md); the deploy
    # check would call that an error, and the send page says it to the Freigabe.
    SILENCED_SYSTEM_CHECKS = ["mail.E001"]
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or f"presse@{urlsplit(SITE_URL).hostname}"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A temporary SMTP failure is tried again after this many seconds, doubling each
# time; a worker that died mid-mailing is followed by a run after as long.
MAILING_RETRY_SECONDS = envint("MAILING_RETRY_SECONDS", 300)
# Sign-up for the Presseverteiler: the confirmation link's life, and how many
# confirmation e-mails one address gets a day and one client may ask for an hour.
SIGNUP_CONFIRM_HOURS = envint("SIGNUP_CONFIRM_HOURS", 48)
SIGNUP_MAILS_PER_ADDRESS_DAY = envint("SIGNUP_MAILS_PER_ADDRESS_DAY", 3)
SIGNUP_REQUESTS_PER_CLIENT_HOUR = envint("SIGNUP_REQUESTS_PER_CLIENT_HOUR", 10)

# The editors' admin; another path keeps it out of scanners' default lists.
ADMIN_PATH = os.environ.get("ADMIN_PATH", "admin/").strip().strip("/") + "/"
if ADMIN_PATH == "/" or not re.fullmatch(r"[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*/", ADMIN_PATH):
    raise ImproperlyConfigured(
        f"ADMIN_PATH must be a path of letters, digits, - and _, like 'admin/', not {ADMIN_PATH!r}."
    )

# How long a reverse proxy or CDN may keep a public page (s-maxage), at most, and
# serve it for half as long again while it fetches a fresh one (stale-while-revalidate);
# never past the next scheduled change (office/publishing/cache.py). Their sum bounds how
# long an edit or a withdrawal takes to reach readers through the proxy.
PROXY_MAX_AGE = envint("PROXY_MAX_AGE", 60)

# Anonymous GETs of public pages are cached this many seconds at most (0: off);
# office/publishing/cache.py keeps every entry short of the next edit or embargo end.
PAGE_CACHE_TIMEOUT = envint("PAGE_CACHE_TIMEOUT", 300)
# The health check must ask the database itself, never a cached answer; a
# shared preview link shows a draft, which no cache may keep; the
# Presseverteiler's pages are each one person's.
UNCACHED_PATH_PREFIXES = (
    f"/{ADMIN_PATH}",
    "/media/",
    "/static/",
    "/healthz",
    "/vorschau/",
    "/presseverteiler/",
)

# A shared preview link (/vorschau/...) shows its draft for this many hours.
PREVIEW_LINK_HOURS = envint("PREVIEW_LINK_HOURS", 48)

# `manage.py backup` encrypts with this key and `restore` decrypts with it (office/backups/);
# unset, backups are written in the clear. Only those two commands read it.
BACKUP_KEY = os.environ.get("BACKUP_KEY", "")

# Public querysets refuse lazy loads in development, so a missing
# select_related fails loudly; in production they batch them for all rows.
PUBLIC_FETCH_MODE = FETCH_RAISE if DEBUG else FETCH_PEERS

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes counts failed logins per account and per address, each on its
# own, and locks either for a while, with a German page (office/site/security.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "office.site.security.locked_out"
AXES_CLIENT_IP_CALLABLE = "office.site.security.client_ip"
# Behind the proxy every request comes from the proxy; it appends the reader's
# address to X-Forwarded-For, and that many addresses from the right are ours.
PROXY_COUNT = envint("PROXY_COUNT", 1 if HTTPS else 0)

# Every editor may add a TOTP second factor; with TWO_FACTOR_REQUIRED on, the
# members of TWO_FACTOR_GROUP (the release role) cannot use the admin without one.
TWO_FACTOR_REQUIRED = envbool("TWO_FACTOR_REQUIRED")
TWO_FACTOR_GROUP = os.environ.get("TWO_FACTOR_GROUP", "Freigabe")
OTP_TOTP_ISSUER = "Plenum"

# An editor's session ends after this much inactivity (every request renews it)
# and when the browser closes.
SESSION_COOKIE_AGE = 60 * envint("SESSION_IDLE_MINUTES", 120)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Oversized or overlong form posts are refused with a 400 before any view runs.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Photos and press-kit attachments above this size are refused with a German
# message; the proxy's own body limit (e.g. nginx client_max_body_size) must be higher.
UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_MB", 20) * 2**20

LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch")]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
# The German catalogue of every text the site and the admin write (README, "Texte").
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploads live under MEDIA_ROOT on one host; with S3_BUCKET set, in an S3-compatible
# object store that all app servers share, served by the proxy under MEDIA_URL
# (office/media/storage.py). Credentials come from boto3's usual variables
# (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the host's role.
MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if S3_BUCKET := os.environ.get("S3_BUCKET", "").strip():
    MEDIA_STORAGE = {
        "BACKEND": "office.media.storage.ObjectStorage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL", "").strip() or None,
            "region_name": os.environ.get("S3_REGION", "").strip() or None,
            # Readers reach the files through the proxy, never by signed links.
            "querystring_auth": False,
            # Like the file system: a name in use gets a suffix, nothing is overwritten.
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# A release's text places photos of the library (office/media/photos.py): the editor
# loads this script for the extension, and nh3 lets its figure through, with nothing
# but the photo's number; a callable, as the package's dotted-path lookup fails in 0.28.
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {
        "js": [static_lazy("admin_plenum/photos.js")],
        "extensions": {
            "PlenumPhoto": html_tags(["figure", "figcaption"], {"figure": ["data-image"]})
        },
    }
]

# Readers get no cookies: sessions and CSRF tokens exist only for the admin.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Public pages load nothing but their own files: no inline script or style, no
# nonce (a cached page could not carry a fresh one), no frames, no plugins.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "upgrade-insecure-requests": HTTPS,
}
# The admin adds a per-request nonce for the editor's import map and Django's
# inline styles, and data: images for its widgets; office/site/security.py applies it.
# The hash is the base stylesheet that the editor (Tiptap, inside
# django-prose-editor 0.28.0) injects without a nonce; tests/test_security_browser.py
# fails on any other inline style, so an upgrade that changes it is noticed.
EDITOR_STYLE_HASH = "'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='"
ADMIN_CSP = SECURE_CSP | {
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE, EDITOR_STYLE_HASH],
    "img-src": [CSP.SELF, "data:"],
}
# Features no page of the site uses; the share button's clipboard stays allowed.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)

if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [SITE_URL] if SITE_URL.startswith("https://") else []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
