"""Settings for the test suite: real database (SQLite, or PostgreSQL through DATABASE_URL)."""

import os

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CERTIFICATE_DEV_KEY_ALLOWED = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env("TEST_MEDIA_ROOT", "/tmp/tsunagari-test-media")  # noqa: S108
# Each test process gets its own cache key prefix, so parallel runs and xdist workers on one Redis
# never meet (tests/conftest.py empties only its own keys).
if "CACHES" in globals() and "django_redis" in CACHES["default"]["BACKEND"]:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = f"tsunagari-test-{os.getpid()}"  # noqa: F405
