"""Benchmark settings: production-like (DEBUG off, PostgreSQL, Redis when REDIS_URL is set) with
a bare view mounted beside the site as the baseline. Used only by `bench/`."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", "bench-only-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "config.urls_bench"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CERTIFICATE_DEV_KEY_ALLOWED = True
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405 - as recommended for production
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"handlers": [], "level": "CRITICAL"}}
