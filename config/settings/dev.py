"""Development settings: what `make run` uses. Never use in production."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env, env_list

DEBUG = True
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

# Emails are written to files and shown at /dev/mailbox/ so a newcomer can click the
# verification link without a mail server.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
SHOW_DEV_MAILBOX = True

# Demo accounts created by `make run` may enter the admin without two-factor; the admin shows a
# notice saying so. Every other admin user must set up TOTP, as in production.
ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS = True
