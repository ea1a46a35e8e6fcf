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

# `make run` serves on $(PORT): links in email, the QR code on certificates and the H5P player's
# origin (the other loopback name, so that it is a separate origin on the same server) follow it.
PORT = env("PORT", "8000")
SITE_URL = env("SITE_URL", f"http://127.0.0.1:{PORT}")
WAGTAILADMIN_BASE_URL = SITE_URL
H5P_PLAYER_ORIGIN = env("H5P_PLAYER_ORIGIN", f"http://localhost:{PORT}")
H5P_SITE_ORIGIN = env("H5P_SITE_ORIGIN", SITE_URL)
