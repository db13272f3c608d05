"""Settings: every value comes from the environment (django-environ).

A first run needs nothing set: SQLite in ``var/``, a Celery broker on the local file system,
mail to the console. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS.

``make run`` (``manage.py run_portal``) sets ``PORTAL_LOCAL_RUN``: production settings (DEBUG off)
served over plain http on this machine, with a secret key kept in ``var/secret_key``.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from procurement.local_secret import local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# What a local run keeps: the SQLite database, the file-system broker's messages, uploads, its secret key.
VAR_DIR = Path(env.str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
# `make run`: the portal on this machine over plain http (see the security section).
LOCAL_RUN = env.bool("PORTAL_LOCAL_RUN", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and LOCAL_RUN:
    SECRET_KEY = local_secret_key(VAR_DIR / "secret_key")
if not SECRET_KEY:
    if not DEBUG and not env.bool("ALLOW_INSECURE_KEY", default=False):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # Development and tests only: never used with DEBUG off unless explicitly allowed.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "procurement.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "procurement.apps.AxesConfig",
    "procurement",
    "notices",
    "batch",
    "framework",
    "volume",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy (django-csp) and Permissions-Policy on every page: see the security section.
    "procurement.middleware.PortalCSPMiddleware",
    "procurement.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "procurement.middleware.DemoPasswordChangeMiddleware",
    # Last, as django-axes asks: it turns a sign-in refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "procurement.urls"
# A refused CSRF token is answered in Chinese, with the signed-in user still shown.
CSRF_FAILURE_VIEW = "procurement.views.errors.csrf_failure"
WSGI_APPLICATION = "procurement.wsgi.application"

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
                "procurement.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file on a first run.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "procurement.validators.SharedDemoPasswordValidator"},
]
# django-axes' backend first: it refuses a locked-out sign-in before any password is checked. It only watches;
# the portal's ModelBackend signs people in (and notes a sign-in with the demo's shared password).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "procurement.backends.PortalModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workbench"
LOGOUT_REDIRECT_URL = "portal-home"

LANGUAGE_CODE = "zh-hans"
# The portal's own translations of packages that ship none in Chinese (django-axes' admin pages).
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Uploads waiting for their import job (issue 8 point 2): outside MEDIA_ROOT and served by nothing. The web
# process writes them and the Celery worker reads them, so both must see this folder (docker-compose: a
# volume shared by web and worker; on several machines, a shared file system or another storage backend).
IMPORT_ROOT = env.path("IMPORT_ROOT", default=str(VAR_DIR / "imports"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "imports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(IMPORT_ROOT)}},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND", default="django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security (production values unless DEBUG or a local run) --------------------------------
# A local run answers plain http: an https redirect would lead nowhere, and a Secure cookie is not sent
# back over http (by curl, scripts, or a browser on another address than localhost): no one could sign in.
HTTPS_ONLY = not DEBUG and not LOCAL_RUN
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS_ONLY)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS_ONLY)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS_ONLY)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS_ONLY)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS_ONLY)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# What a page may load and run (issue 8 point 8): only the portal's own files. No inline <script>, no
# on…= handler, no style="…" attribute and no <style> element anywhere: scripts are files under static/,
# data reaches them through json_script or data-* attributes, styles are classes in static/css/. Setting a
# style from a script through the CSSOM (element.style.height = …, as ECharts does) is not inline style
# and stays allowed. data: images are Bootstrap's own (its icons are SVG data URLs in its stylesheet).
# DRF's browsable API alone also takes inline styles (procurement.middleware.PortalCSPMiddleware says why).
# tests/e2e/test_csp.py opens every key page in Chromium and fails on any violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
# Browser features no page of the portal uses: refused to the page and to anything it might embed.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), "
    "usb=()"
)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)

# --- Sign-in throttling (django-axes) ------------------------------------------------------
# After LOGIN_FAILURE_LIMIT wrong passwords in a row, the username is refused from that address for
# LOGIN_LOCKOUT_MINUTES, even with the right password; a success clears the count.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
# The username and the address together: the clerks of a bureau sign in from behind one NAT address, so a
# lock per address would shut a whole office out for one person's typos (or for someone guessing at another
# account from the same network); a lock per username alone would let anyone lock any clerk out from anywhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lock lasts a fixed time from the last counted failure: the page's "try again in N minutes" stays true
# however often the locked person tries meanwhile (attempts during the lock are refused, not counted).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "procurement.views.auth.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "procurement.client_address.client_ip"
# How many reverse proxies of ours stand in front of gunicorn, each appending to X-Forwarded-For. 0 (the
# default): the header is ignored, since any client can send it; the address is the connection's.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Outside `make run`'s demo, whoever signs in with the demo's shared password must change it first.
DEMO_PASSWORD_CHANGE_REQUIRED = not LOCAL_RUN

# --- E-mail -------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="吉林省政府采购平台 <noreply@ccgp-jilin.gov.cn>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Every e-mail goes through the outbox (procurement.services.mail), sent by a Celery worker, never by a request.
# Seconds one step of an SMTP conversation may take (connect, greeting, each command) before the attempt fails.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
OUTBOUND_MAIL_MAX_ATTEMPTS = env.int("OUTBOUND_MAIL_MAX_ATTEMPTS", default=5)
# The wait before the second attempt, doubled after each failure (60 s, 2, 4, 8 min), at most the maximum.
OUTBOUND_MAIL_RETRY_SECONDS = env.int("OUTBOUND_MAIL_RETRY_SECONDS", default=60)
OUTBOUND_MAIL_RETRY_MAX_SECONDS = env.int("OUTBOUND_MAIL_RETRY_MAX_SECONDS", default=3600)
# A pending mail this long past its due attempt has lost its task; the sweep queues it again.
OUTBOUND_MAIL_LOST_AFTER_SECONDS = env.int("OUTBOUND_MAIL_LOST_AFTER_SECONDS", default=600)

# --- Celery -------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
else:
    # The embedded default: kombu's file-system transport needs no server and works
    # between the processes of one machine (web, worker, beat).
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "sweep-due-deadlines": {
        "task": "procurement.tasks.sweep_due_deadlines",
        "schedule": timedelta(seconds=env.int("SWEEP_INTERVAL_SECONDS", default=60)),
    },
    "requeue-lost-mails": {
        "task": "procurement.tasks.outbound_mails_requeue",
        "schedule": timedelta(seconds=env.int("OUTBOUND_MAIL_SWEEP_SECONDS", default=300)),
    },
    # Uploads of finished imports left on disk, and jobs whose worker vanished long ago (procurement.imports).
    "import-jobs-clean": {
        "task": "procurement.tasks.import_jobs_clean",
        "schedule": timedelta(hours=1),
    },
}
# The queue of import jobs (procurement.tasks.import_run): empty for Celery's default queue. A site whose
# imports should not wait behind other tasks (or keep them waiting) runs a worker of its own for them.
IMPORT_QUEUE = env.str("IMPORT_QUEUE", default="")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "procurement.api.authentication.TokenAuthentication",  # DRF's, its lookup built once (issue 7 point 16)
        # DRF's, refusing a session still on the demo's shared password (issue 8 point 7).
        "procurement.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Request bodies are JSON, as the schema documents them (a form field cannot say null, nor hold a list of
    # funding lines); the uploads declare multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "procurement.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "procurement.api.schema.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "EXCEPTION_HANDLER": "procurement.api.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "吉林省政府集中采购平台 API",
    "DESCRIPTION": "供预算管理一体化系统等外部系统使用的接口：区划、单位、品目、项目、分计划、合同。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "Status" (and "Kind"): name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "procurement.models.Project.Status",
        "SubPlanStatusEnum": "procurement.models.SubPlan.Status",
        "ContractStatusEnum": "procurement.models.Contract.Status",
        "OrganizationKindEnum": "procurement.models.Organization.Kind",
        "CategoryKindEnum": "procurement.models.Category.Kind",
        "RegionLevelEnum": "procurement.models.Region.Level",
        "SmeSizeEnum": "procurement.models.Organization.SmeSize",
        "FundingSourceEnum": "procurement.models.FundingLine.Source",
        "SubPlanWarningKindEnum": "procurement.plan_checks.FlagKind",
        "ProjectDocumentKindEnum": "procurement.models.ProjectDocument.Kind",
        "ModeEnum": "procurement.models.Mode",
        "ProcurementMethodEnum": "procurement.models.ProcurementMethod",
        "BatchEligibilityEnum": "batch.models.BatchDetails.Eligibility",
        "VolumeKindEnum": "volume.models.VolumeDetails.Kind",
        "NoticeTypeEnum": "notices.models.Notice.Type",
        "TaskNoticeStatusEnum": "procurement.models.TaskNotice.Status",
        "TaskNoticeScopeEnum": "procurement.models.TaskNotice.Scope",
        "TaskNoticeCycleEnum": "procurement.models.Cycle",
        "ImportJobStatusEnum": "procurement.models.ImportJob.Status",
        # volume: department catalog (seed 000 三(三)(1))
        "DepartmentCatalogStatusEnum": "volume.models.DepartmentCatalog.Status",
        "CatalogReviewDecisionEnum": "volume.models.CatalogReview.Decision",
        # volume: inquiries, challenges, complaints (questions slice)
        "VolumeQuestionKindEnum": "volume.models.SupplierQuestion.Kind",
        "VolumeQuestionSubjectEnum": "volume.models.SupplierQuestion.Subject",
        "VolumeQuestionStatusEnum": "volume.models.SupplierQuestion.Status",
        "VolumeComplaintStatusEnum": "volume.models.Complaint.Status",
        "VolumeComplaintOutcomeEnum": "volume.models.Complaint.Outcome",
        # framework: the plan (annex 8; plans slice). Its review decision has CatalogReview's choices (same enum).
        "FrameworkPlanStatusEnum": "framework.models.FrameworkPlan.Status",
        "FrameworkLegalGroundEnum": "framework.models.LegalGround",
        "FrameworkAgreementTypeEnum": "framework.models.AgreementType",
        "FrameworkSubjectKindEnum": "framework.models.SubjectKind",
        "FrameworkSecondStageMethodEnum": "framework.models.SecondStageMethod",
        "FrameworkRotationOrderRuleEnum": "framework.models.RotationOrderRule",
        "FrameworkTieBreakRuleEnum": "framework.models.TieBreakRule",
        "FrameworkEvaluationMethodEnum": "framework.models.EvaluationMethod",
        "FrameworkPriceBasisEnum": "framework.models.FrameworkLot.PriceBasis",
        "SurveyParticipantKindEnum": "framework.models.SurveyParticipant.Kind",
        # framework: solicitation responses (solicitation slice)
        "FrameworkResponseStatusEnum": "framework.models.SolicitationResponse.Status",
        "FrameworkResponseQualificationEnum": "framework.models.SolicitationResponse.Qualification",
        # framework: agreements, listings, removals (agreements slice)
        "FrameworkAgreementStatusEnum": "framework.models.Agreement.Status",
        "FrameworkListingStatusEnum": "framework.models.ProductListing.Status",
        "FrameworkRemovalGroundEnum": "framework.models.Removal.Ground",
        "FrameworkRemovalEffectEnum": "framework.models.Removal.Effect",
        # framework: second-stage orders (orders slice)
        "FrameworkOrderStatusEnum": "framework.models.Order.Status",
        # framework: 补充征集 (annex 8 §十一; supplement slice)
        "FrameworkSupplementStatusEnum": "framework.models.Supplement.Status",
        # framework: open agreements (join requests)
        "FrameworkJoinRequestStatusEnum": "framework.models.JoinRequest.Status",
    },
    # The documentation page is served from our own static files (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint and fontTools narrate every PDF step by step at INFO: warnings only.
    "loggers": {name: {"level": "WARNING"} for name in ("django.db.backends", "weasyprint", "fontTools")},
}

# --- The portal ---------------------------------------------------------------------------
PORTAL_NAME = "吉林省政府集中采购平台"
# The portal's public address, for links in e-mails (sent by workers, outside any request).
# A local run sets it from the address it serves on (`make run PORT=8101`) unless it is set.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# Where the shared data (catalog, OCDS schemas) lives; the checkout sits beside ../shared.
SHARED_DATA_DIR = env.path("SHARED_DATA_DIR", default=str(BASE_DIR.parent / "shared" / "data"))
