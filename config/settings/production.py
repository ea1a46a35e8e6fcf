"""Production settings. Refuses to start without SECRET_KEY and ALLOWED_HOSTS."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool, env_list

DEBUG = False
IS_PRODUCTION = True

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "環境変数 SECRET_KEY が設定されていません。The SECRET_KEY environment variable is required in production."
    )
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "SECRET_KEY が短すぎます（50文字以上のランダムな値にしてください）。SECRET_KEY must be 50+ random characters."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "環境変数 ALLOWED_HOSTS が設定されていません。The ALLOWED_HOSTS environment variable is required in production."
    )

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Media and certificate PDFs on S3-compatible object storage when a bucket is configured, so that
# every app server sees the same files.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL"),
            "region_name": env("AWS_S3_REGION_NAME"),
            "access_key": env("AWS_ACCESS_KEY_ID"),
            "secret_key": env("AWS_SECRET_ACCESS_KEY"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

ADMIN_REQUIRE_2FA = True
ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS = False

# A read replica for the statistics reads (docs/deployment.md "Beyond one machine"): when
# ANALYTICS_DATABASE_URL is set, config.routers sends reads of completion records and aggregate
# counts made outside a transaction to it; every write stays on DATABASE_URL.
ANALYTICS_DATABASE_URL = env("ANALYTICS_DATABASE_URL")
if ANALYTICS_DATABASE_URL:
    import dj_database_url

    DATABASES["analytics"] = dj_database_url.parse(  # noqa: F405
        ANALYTICS_DATABASE_URL, conn_max_age=int(env("DB_CONN_MAX_AGE", "0"))
    )
    DATABASES["analytics"]["TEST"] = {"MIRROR": "default"}  # noqa: F405
    DATABASE_ROUTERS = ["config.routers.AnalyticsReplicaRouter"]
