"""Settings for the Padangpanjang infrastructure-reporting map.

Every deployment option is an environment variable with a default that makes a
fresh checkout work on a development machine (docs/setup.md, "Configuration", lists them all).
"""

import hashlib
import os
import pwd
from datetime import time
from pathlib import Path
from urllib.parse import quote

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default):
    return os.environ.get(name, default)


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


def env_float(name, default):
    value = os.environ.get(name)
    return float(value) if value else default


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The development key is public; a deployment with DEBUG off must set its own.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: DEBUG is off, and the development key is public.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "0.0.0.0"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The largest request taken: a report with 5 photos of 10 MB, a document of 5 MB (DOCUMENT_MAX_BYTES) and its fields
# (nginx: client_max_body_size 60m).
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 60 * 1024 * 1024)

# Behind a reverse proxy: the proxies (addresses or networks) whose X-Forwarded-For names the client. The rate
# limit, the sign-in lock-out and the API call log all see that client (config.middleware.client_address).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# One switch for a site that a TLS proxy serves over HTTPS (docs/production.md): the proxy says the scheme in
# X-Forwarded-Proto; plain HTTP is redirected, browsers are told to use HTTPS only, cookies travel over it only.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer asks each node directly, over HTTP
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 86400)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

INSTALLED_APPS = [
    "config.admin.AdministratorsAdminConfig",  # django.contrib.admin, for administrators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",  # pg_trgm lookups: the map search's loose match (geo.places.search)
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "corsheaders",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "leaflet",
    "geo",
    "reports",
    "offices",
    "assets",
    "tiles",
    "audit",
    "accounts",
    "jobs",
    "notify",
    "chat",
    "forwarding",
    "privacy",
    "desk",
    "insight",
]

MIDDLEWARE = [
    "config.middleware.client_address",
    # Before anything that answers: its refusals of public reads carry the CORS headers too (config/cors.py).
    "config.cors.PublicReadsOnly",
    "config.middleware.refuse_large_bodies",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.refuse_nul_characters",
    # Pages and JSON compressed for phones on weak data (CSRF tokens are masked per response).
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's check of the session's authenticator app, from what StaffBackend read with the user.
    "accounts.middleware.SignedInDevice",
    "accounts.middleware.require_verification",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, the settings' policy written once per process (config/csp.py).
    "config.csp.SettingsPolicy",
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy: scripts and styles from our own files; the few inline scripts (a map's start, the
# import map) carry the request's nonce; images also as data: and blob: URLs (Leaflet's icons, photo previews).
# Style attributes stay allowed (the statistics' bars; Leaflet positions its panes in them). The admin goes
# without: django-leaflet's map widgets write inline scripts with no request at hand for a nonce.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# CORS for the public read APIs (config.cors.PublicReadsOnly decides which requests): any origin, as they serve
# public data only; no credentials, and no Authorization header, so no cookie or token ever crosses.
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "accept-language", "if-none-match", "if-modified-since"]
CORS_EXPOSE_HEADERS = ["Content-Disposition", "ETag"]
CORS_PREFLIGHT_MAX_AGE = 86400

# Sign-in: Django's users and passwords, locked for a while after repeated failures (django-axes).
# The last loads a signed-in user with their groups and authenticator apps in one query (accounts/backends.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.StaffBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "crew-home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
# The client as config.middleware.client_address found it, never a header anyone can send.
AXES_CLIENT_IP_CALLABLE = "config.middleware.client_ip"
# Then a code from an authenticator app (accounts/): required of administrators and dispatchers, who see residents'
# contact details, and of anyone who set one up. Each wrong code locks the device for twice as long (1 s, 2 s,
# 4 s…); django-otp's default factor, stated here because 0 would switch that off.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_TOTP_ISSUER = "Lapor Padangpanjang"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the devices' admin never shows a secret key once it is set up
# A signed-in session lasts a working day, counted from the sign-in (or the last change to the session).
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)

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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def local_database_url():
    """The local cluster's database, as the current user; with the password config/setup-postgres.sh generated
    for that role on a fresh machine, when it did (var/database-password, readable by its owner only)."""
    password_file = BASE_DIR / "var" / "database-password"
    if not password_file.exists():
        return "postgis://127.0.0.1:5432/padangpanjang"
    user = quote(pwd.getpwuid(os.geteuid()).pw_name)
    return f"postgis://{user}:{quote(password_file.read_text().strip())}@127.0.0.1:5432/padangpanjang"


# The current OS user on 127.0.0.1, as on the development and CI machines.
DATABASE_URL = env_str("DATABASE_URL", "") or local_database_url()
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
# Our statements are short passes over indexed rows (a tile, a page, a range of an export): PostgreSQL's JIT
# compiles them first and costs more than it saves (148 ms of 590 on a 10,000-report range of an export).
# DateStyle ISO: a date cast to text is YYYY-MM-DD whatever the server's default (reports.representation).
# pg_trgm's word similarity threshold: how alike a place's name must be to what was typed for the map's search
# (search_name %> text, geo.places.search): low enough for a typo ("sudriman"), measured by bench/search_bench.py.
DATABASES["default"]["OPTIONS"] = {"options": "-c jit=off -c datestyle=ISO -c pg_trgm.word_similarity_threshold=0.4"}
# The tests' database is named after this checkout's folder: `make test` beside `make run`, or beside another
# checkout's tests, never drops or fills a database that is not its own (tests/conftest.py names the cache too).
CHECKOUT_ID = hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:8]
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{CHECKOUT_ID}"}
# A PostgreSQL streaming replica for heavy reads that may be a little stale (config/db_router.py): exports,
# statistics, the OGC API's and Open311's lists, backups' dumps. One that does not answer, or lags more than
# REPLICA_MAX_LAG_S, is skipped (looked at again every REPLICA_CHECK_S in each process) and the primary answers.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True)
    DATABASES["replica"].update(ENGINE=DATABASES["default"]["ENGINE"], TEST={"MIRROR": "default"})
    DATABASES["replica"]["OPTIONS"] = {**DATABASES["default"]["OPTIONS"],
                                       "connect_timeout": env_int("REPLICA_CONNECT_TIMEOUT_S", 2)}
DATABASE_ROUTERS = ["config.db_router.PrimaryRouter"]
REPLICA_MAX_LAG_S = env_float("REPLICA_MAX_LAG_S", 30)
REPLICA_CHECK_S = env_float("REPLICA_CHECK_S", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Bahasa Indonesia first, English second.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "id")
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The statistics' kept counts take months and due dates in Asia/Jakarta, written into their triggers (a trigger
# cannot read settings: migration reports/0012): another zone here needs a migration there too.
TIME_ZONE = env_str("TIME_ZONE", "Asia/Jakarta")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Our own JS and CSS, and the browser libraries `make setup` installs from the npm registry.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/exifr", BASE_DIR / "node_modules" / "exifr" / "dist"),
    ("vendor/pbf", BASE_DIR / "node_modules" / "pbf"),
    ("vendor/vector-tile", BASE_DIR / "node_modules" / "@mapbox" / "vector-tile"),
    ("vendor/point-geometry", BASE_DIR / "node_modules" / "@mapbox" / "point-geometry"),
    ("vendor/maplibre-gl", BASE_DIR / "node_modules" / "maplibre-gl" / "dist"),
]
# Uploaded photos: on this machine's disk under MEDIA_ROOT, or (MEDIA_STORAGE=s3) in an S3-compatible bucket that
# every app server shares (docs/scaleout.md). Either way their addresses are /media/<name>, served by the app
# (reports.media); a public bucket can be linked directly instead with MEDIA_PUBLIC_URL. Never presigned URLs,
# which expire: links sent to other systems must keep working. `manage.py move_media` moves the files over.
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "disk")
if MEDIA_STORAGE not in {"disk", "s3"}:
    raise ImproperlyConfigured("MEDIA_STORAGE is `disk` or `s3`.")
S3_STORAGE_OPTIONS = {
    "bucket_name": env_str("S3_BUCKET", ""),
    "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,  # empty: AWS itself
    "region_name": env_str("S3_REGION", "") or None,
    "access_key": env_str("S3_ACCESS_KEY_ID", "") or None,  # empty: boto3's own lookup (instance role, ~/.aws)
    "secret_key": env_str("S3_SECRET_ACCESS_KEY", "") or None,
    "location": env_str("S3_PREFIX", ""),  # a folder in a bucket shared with other uses
    "querystring_auth": False,
    "default_acl": None,  # the bucket's own policy decides who reads it
    "timeout_s": env_float("S3_TIMEOUT_S", 5),  # config.bucket.BucketStorage
    "addressing_style": env_str("S3_ADDRESSING_STYLE", "") or None,
}
if MEDIA_STORAGE == "s3" and not S3_STORAGE_OPTIONS["bucket_name"]:
    raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs S3_BUCKET.")
STORAGES = {
    "default": (
        {"BACKEND": "config.bucket.BucketStorage", "OPTIONS": S3_STORAGE_OPTIONS}
        if MEDIA_STORAGE == "s3"
        else {"BACKEND": "config.storage.DiskStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = env_str("MEDIA_PUBLIC_URL", "") or "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# /healthz says `degraded: ["storage"]` when the media disk has less room than this: a few filings' photos.
MEDIA_MIN_FREE_MB = env_int("MEDIA_MIN_FREE_MB", 50)
# The one PDF a service complaint may carry (reports.documents): its bounds. Stored under documents/ beside the
# photos, never served by /media/.
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 5 * 1024 * 1024)
DOCUMENT_MAX_PAGES = env_int("DOCUMENT_MAX_PAGES", 20)
# With nginx in front: the `internal` location that serves MEDIA_ROOT (e.g. /_media/); the app then answers
# /media/ with X-Accel-Redirect and nginx sends the file. Empty: the app sends the files itself.
MEDIA_ACCEL_REDIRECT = env_str("MEDIA_ACCEL_REDIRECT", "")
# Where `manage.py backup` writes; in production another disk, copied off the machine.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(BASE_DIR / "var" / "backups")))

# Places: the boundary file `setup_city` loads, and how far outside the city
# outline a point may fall (GPS error) and still go to the nearest kelurahan.
KELURAHAN_FILE = env_str(
    "KELURAHAN_FILE", str(BASE_DIR / "fixtures" / "kelurahan" / "padang_panjang_kelurahan.geojson")
)
LOOKUP_TOLERANCE_M = env_int("LOOKUP_TOLERANCE_M", 50)
# Assets (assets/): the nearest street light, drain or road segment this close to a dropped pin is picked.
ASSET_SNAP_M = env_int("ASSET_SNAP_M", 30)

# Geocoding (Nominatim protocol). Empty: addresses fall back to "Kelurahan X, Kecamatan Y".
GEOCODER_URL = env_str("GEOCODER_URL", "")
GEOCODER_TIMEOUT_S = env_int("GEOCODER_TIMEOUT_S", 3)

# Links in e-mails to reporters.
SITE_URL = env_str("SITE_URL", "http://localhost:8000")
# E-mail goes to the SMTP server EMAIL_HOST names; without one, to the console in development and, with DEBUG off,
# to files under EMAIL_FILE_PATH that their owner only reads (config/mail.py; gunicorn warns at start-up): never
# into the log, which would keep reporters' addresses and private links.
_smtp_host = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend" if _smtp_host
                        else "django.core.mail.backends.console.EmailBackend" if DEBUG
                        else "config.mail.PrivateFileBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "e-complain@padangpanjang.go.id")
# The SMTP server for EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend. A bounded timeout: a mail
# server that does not answer must not hold a crew member's request.
EMAIL_HOST = _smtp_host or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT_S", 10)

# Attempts per hour (reports.ratelimit): reports per client (an IPv4 address, an IPv6 /64), reports per
# Open311 key and per sender within a key, and supports per client.
REPORTS_PER_HOUR = env_int("REPORTS_PER_HOUR", 10)
OPEN311_KEY_PER_HOUR = env_int("OPEN311_KEY_PER_HOUR", 600)
OPEN311_SENDER_PER_HOUR = env_int("OPEN311_SENDER_PER_HOUR", 10)
SUPPORTS_PER_HOUR = env_int("SUPPORTS_PER_HOUR", 30)
# Address searches (/api/v1/geocode, the map's search box) per client and hour; the geocoder itself is asked at
# most once a second by all of us together (geo.geocoding), whatever this allows.
SEARCHES_PER_HOUR = env_int("SEARCHES_PER_HOUR", 120)

# Open311 GeoReport v2: who we are to other systems; how long fetching a media_url may take, all of it.
OPEN311_JURISDICTION = env_str("OPEN311_JURISDICTION", "padangpanjang.go.id")
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "e-complain@padangpanjang.go.id")
OPEN311_MEDIA_TIMEOUT_S = env_int("OPEN311_MEDIA_TIMEOUT_S", 10)

# Calls to other systems (config/outbound.py). Who we say we are: tile servers' and Nominatim's usage policies ask
# for an application that names itself and how to reach it (each call adds its purpose). URLs that come from
# outside (a media_url, LAPOR!'s attachments, browsers' push endpoints) reach public addresses only, unless
# OUTSIDE_URLS_ALLOW_PRIVATE (tests, or partners inside the city's own network; formerly OPEN311_MEDIA_PRIVATE_OK,
# still read).
OUTBOUND_USER_AGENT = env_str("OUTBOUND_USER_AGENT", f"LaporPadangpanjang/1.0 (+{SITE_URL})")
OUTSIDE_URLS_ALLOW_PRIVATE = env_bool("OUTSIDE_URLS_ALLOW_PRIVATE", env_bool("OPEN311_MEDIA_PRIVATE_OK", False))
# Redis is a cache, not a single point of failure: when it does not answer, reads miss and writes are dropped
# (logged by the `cache` logger), so filing goes on, limits let requests through, tiles and figures are computed.
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env_str("REDIS_URL", "redis://127.0.0.1:6379/1"),
        # Installations (and the tests) sharing one Redis must not read each other's figures.
        "KEY_PREFIX": env_str("CACHE_PREFIX", DATABASES["default"]["NAME"]),
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": env_float("REDIS_TIMEOUT_S", 0.5),
            "SOCKET_TIMEOUT": env_float("REDIS_TIMEOUT_S", 0.5),
        },
    }
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "cache"

# The API takes the browser's session (with CSRF) or `Authorization: Token <key>` (made in the admin's API tokens,
# or manage.py drf_create_token), which works API_TOKEN_DAYS after it is made and, for administrators and
# dispatchers, only once they have set up their authenticator app (accounts/tokens.py).
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.tokens.ExpiringTokenAuthentication",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# The OpenAPI 3 document of /api/v1/ and /ogcapi/ (/api/schema/), readable at /api/docs/.
SPECTACULAR_SETTINGS = {
    "TITLE": "Lapor Padangpanjang API",
    "DESCRIPTION": "Reports of broken roads, drainage and street lighting in Kota Padang Panjang: filing, "
                   "following, the crews' nearby layer, exports, statistics and OGC API - Features. "
                   "Open311 GeoReport v2 is at /open311/discovery.json.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/(api/v1|ogcapi)",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.openapi.add_common_responses"],
}

# Background jobs (jobs/): done jobs are kept this many days; /healthz says the queue is degraded when the job
# due first has waited longer than JOBS_MAX_WAIT_S (no worker running, or far too much work).
JOBS_KEEP_DAYS = env_int("JOBS_KEEP_DAYS", 7)
JOBS_MAX_WAIT_S = env_int("JOBS_MAX_WAIT_S", 300)
# Per outside system (jobs/breakers.py): after BREAKER_FAILURES failed calls in a row its jobs wait for one probe
# each BREAKER_PROBE_S; /healthz names it degraded once open for BREAKER_DEGRADED_AFTER_S.
BREAKER_FAILURES = env_int("BREAKER_FAILURES", 5)
BREAKER_PROBE_S = env_int("BREAKER_PROBE_S", 60)
BREAKER_DEGRADED_AFTER_S = env_int("BREAKER_DEGRADED_AFTER_S", 120)
# LAPOR!-SP4N (forwarding/, docs/lapor.md): off while LAPOR_URL is empty. Complaints it hands the city are
# pulled every LAPOR_PULL_SECONDS (the first pull looks LAPOR_FIRST_PULL_DAYS back); a LAPOR! topic no category
# maps to waits for a dispatcher (never a guessed category); an infrastructure category without a LAPOR! topic is
# forwarded with LAPOR_DEFAULT_TOPIC (empty: not forwarded), a city service only under a topic of its own.
LAPOR_URL = env_str("LAPOR_URL", "")
LAPOR_TOKEN = env_str("LAPOR_TOKEN", "")
LAPOR_PULL_SECONDS = env_int("LAPOR_PULL_SECONDS", 300)
LAPOR_FIRST_PULL_DAYS = env_int("LAPOR_FIRST_PULL_DAYS", 7)
LAPOR_DEFAULT_TOPIC = env_str("LAPOR_DEFAULT_TOPIC", "")
# A report filed elsewhere (LAPOR!'s created_at) keeps its own filing time only when that lies at most this many
# days back and not in the future; otherwise the time we received it counts (the history keeps the other).
IMPORT_MAX_AGE_DAYS = env_int("IMPORT_MAX_AGE_DAYS", 365)
# Each call to LAPOR! or a partner's Open311 endpoint takes at most this long, all of it.
FORWARDING_TIMEOUT_S = env_int("FORWARDING_TIMEOUT_S", 10)
# How often the partners' Open311 status of forwarded reports is read back.
OPEN311_PARTNER_POLL_SECONDS = env_int("OPEN311_PARTNER_POLL_SECONDS", 300)
# When the morning digest of overdue and due reports goes to dispatchers and crew members (local time).
DIGEST_AT = time.fromisoformat(env_str("DIGEST_AT", "06:00"))
# Calls made with API keys (reports.ApiCall) are kept this many days, then pruned each night.
API_CALLS_KEEP_DAYS = env_int("API_CALLS_KEEP_DAYS", 90)

# The staff desk's counts (desk.counts.waiting_now) are kept this many seconds in the cache: the home asks again
# every minute, and each dispatcher's request need not count again. 0 counts every time.
DESK_COUNTS_CACHE_S = env_int("DESK_COUNTS_CACHE_S", 10)

# Personal data (privacy/, docs/privacy.md): how long it is kept. A reporter's name, phone and e-mail are erased
# this many days after the report is closed (selesai, ditutup, ditolak, duplikat); IP addresses in the API call
# log and the sign-in records after IP_RETENTION_DAYS; the photos of a report rejected or hidden from the public
# after HIDDEN_PHOTO_RETENTION_DAYS. A nightly job (privacy.retention) erases them.
CONTACT_RETENTION_DAYS = env_int("CONTACT_RETENTION_DAYS", 180)
IP_RETENTION_DAYS = env_int("IP_RETENTION_DAYS", 30)
HIDDEN_PHOTO_RETENTION_DAYS = env_int("HIDDEN_PHOTO_RETENTION_DAYS", 90)

# Messages to residents (notify/, docs/notify.md). Changes within NOTIFY_BATCH_SECONDS of the first go as one
# message; none is sent in the quiet hours (local time) but what the resident asked for (a confirmation link).
NOTIFY_BATCH_SECONDS = env_int("NOTIFY_BATCH_SECONDS", 180)
NOTIFY_QUIET_FROM = time.fromisoformat(env_str("NOTIFY_QUIET_FROM", "21:00"))
NOTIFY_QUIET_UNTIL = time.fromisoformat(env_str("NOTIFY_QUIET_UNTIL", "06:00"))
# Confirmation links and "send my links again" messages one phone number or e-mail address gets in any 24 hours,
# whoever asks (notify.limits); a confirmation still pending is sent again at most once an hour.
CONFIRMATIONS_PER_DAY = env_int("CONFIRMATIONS_PER_DAY", 3)
# Area alerts "near a point": this far around it.
ALERT_RADIUS_M = env_int("ALERT_RADIUS_M", 500)
# "Sudah diperbaiki?": this many days after a report is marked fixed, asked each day at FIX_QUESTION_AT.
FIX_QUESTION_DAYS = env_int("FIX_QUESTION_DAYS", 14)
FIX_QUESTION_AT = time.fromisoformat(env_str("FIX_QUESTION_AT", "09:00"))
# The satisfaction index (notify.ikm) of a unit and period is published only from this many survey answers: a
# mean of fewer is one person's mood, and a small group could be told apart.
IKM_MIN_ANSWERS = env_int("IKM_MIN_ANSWERS", 30)
# The whole city's recurrence over the default window is computed this often by a job and served from what it kept
# (insight.kept): seconds of PostgreSQL at a million reports, not to be spent on every planner's request.
RECURRENCE_KEPT_MINUTES = env_int("RECURRENCE_KEPT_MINUTES", 15)
# How long a call to a message gateway (WhatsApp, SMS, web push) may take, all of it.
NOTIFY_HTTP_TIMEOUT_S = env_int("NOTIFY_HTTP_TIMEOUT_S", 10)
# Messages to phones: "whatsapp" (the WhatsApp Business Platform's Cloud API), "sms" (a plain-HTTP SMS gateway),
# or empty: off, and the report form offers e-mail only.
PHONE_GATEWAY = env_str("PHONE_GATEWAY", "")
WHATSAPP_API_URL = env_str("WHATSAPP_API_URL", "https://graph.facebook.com/v21.0")
WHATSAPP_PHONE_NUMBER_ID = env_str("WHATSAPP_PHONE_NUMBER_ID", "")
WHATSAPP_TOKEN = env_str("WHATSAPP_TOKEN", "")
# An approved template with one body parameter, in Bahasa Indonesia ("id") and English ("en").
WHATSAPP_TEMPLATE = env_str("WHATSAPP_TEMPLATE", "lapor_pemberitahuan")
# The webhook: the token Meta echoes when it is set up, and the app secret its deliveries are signed with.
WHATSAPP_VERIFY_TOKEN = env_str("WHATSAPP_VERIFY_TOKEN", "")
WHATSAPP_APP_SECRET = env_str("WHATSAPP_APP_SECRET", "")
# A WhatsApp conversation that files a report (chat/) is cancelled after this many minutes without an answer.
CHAT_IDLE_MINUTES = env_int("CHAT_IDLE_MINUTES", 30)
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN", "")
SMS_SENDER = env_str("SMS_SENDER", "LAPOR-PP")
# Web push: the application server's VAPID key pair (base64url; `manage.py vapid_keys` makes one) and the
# contact push services may write to. Empty keys: off, and pages do not offer browser notifications.
WEBPUSH_VAPID_PUBLIC_KEY = env_str("WEBPUSH_VAPID_PUBLIC_KEY", "")
WEBPUSH_VAPID_PRIVATE_KEY = env_str("WEBPUSH_VAPID_PRIVATE_KEY", "")
WEBPUSH_CONTACT = env_str("WEBPUSH_CONTACT", "mailto:e-complain@padangpanjang.go.id")

# Vector tiles of the reports (tiles/): kept in the cache under a version that every change of a report in
# them renews. TILES_MAX_AGE 0: browsers keep tiles but ask every time, and get a 304 while nothing changed.
TILES_CACHE_SECONDS = env_int("TILES_CACHE_SECONDS", 86400)
TILES_MAX_AGE = env_int("TILES_MAX_AGE", 0)

# The basemap, through a disk cache of ours in front of BASEMAP_URL, or from an MBTiles file with no upstream.
BASEMAP_URL = env_str("BASEMAP_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
BASEMAP_ATTRIBUTION = env_str(
    "BASEMAP_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
BASEMAP_MAX_ZOOM = env_int("BASEMAP_MAX_ZOOM", 19)
BASEMAP_MBTILES = env_str("BASEMAP_MBTILES", "")
BASEMAP_CACHE_DIR = env_str("BASEMAP_CACHE_DIR", str(BASE_DIR / "var" / "basemap"))
BASEMAP_CACHE_MB = env_int("BASEMAP_CACHE_MB", 1024)
# How long a tile is kept when the upstream's answer carries no Cache-Control or Expires.
BASEMAP_DEFAULT_MAX_AGE = env_int("BASEMAP_DEFAULT_MAX_AGE", 7 * 86400)
BASEMAP_TIMEOUT_S = env_int("BASEMAP_TIMEOUT_S", 5)

# Padangpanjang: the admin maps open on the city.
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (-0.4665, 100.405),
    "DEFAULT_ZOOM": 13,
    "MIN_ZOOM": 5,
    "MAX_ZOOM": 19,
    "RESET_VIEW": False,
    # Leaflet finds its marker images from the URL of leaflet.css's image, which hashed static files rename
    # (markers became broken images): name the folder instead. The unhashed images are collected too.
    "FORCE_IMAGE_PATH": f"/{STATIC_URL}leaflet/images/",
    # Every map's basemap comes through our own cache (tiles/basemap.py), never straight from the upstream.
    "TILES": [("OpenStreetMap", "/tiles/basemap/{z}/{x}/{y}.png", {"attribution": BASEMAP_ATTRIBUTION,
                                                                     "maxZoom": BASEMAP_MAX_ZOOM})],
}

# Debian 12's GDAL 3.6 cannot block file and network access inside a spatial
# reference; GDAL only ever reads boundary files that staff import by hand.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# One line per event: JSON in production (fields a log collector can index), plain text in development.
# Events carry what happened and where, never a reporter's name, phone, e-mail or address.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    # No secret path segment in a line (config/logsafe.py): django.request names the path of every 4xx and 5xx.
    "filters": {"without_secrets": {"()": "config.logsafe.WithoutSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["without_secrets"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Pillow writes a photo's EXIF tags (the camera owner's name, the GPS position) into DEBUG lines while
    # re-encoding it: never, even with LOG_LEVEL=DEBUG.
    "loggers": {"PIL": {"level": "INFO"}},
}
