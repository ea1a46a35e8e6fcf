"""Security headers on our pages and the production cookie and HSTS settings.

`manage.py check --deploy` under production settings is tested in tests/core/test_settings.py.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
response = Client(HTTP_HOST="example.jp").get("/healthz", secure=True)
print(json.dumps({
    "settings": {name: getattr(settings, name) for name in (
        "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE",
        "LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_SAMESITE", "ADMIN_REQUIRE_2FA", "ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS",
    )},
    "headers": dict(response.headers),
    "insecure_status": Client(HTTP_HOST="example.jp").get("/healthz").status_code,
}))
"""


@pytest.fixture(scope="module")
def production():
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="example.jp",
        DATABASE_URL="sqlite:///:memory:",
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", PRODUCTION_PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_for_a_year_with_subdomains_and_preload(production):
    assert production["headers"]["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_production_redirects_plain_http_to_https(production):
    assert production["insecure_status"] == 301


def test_production_cookies_are_secure_httponly_and_samesite(production):
    values = production["settings"]

    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["LANGUAGE_COOKIE_SECURE"] is True
    assert values["LANGUAGE_COOKIE_SAMESITE"] == "Lax"


def test_production_admin_requires_two_factor_with_no_demo_exemption(production):
    assert production["settings"]["ADMIN_REQUIRE_2FA"] is True
    assert production["settings"]["ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS"] is False


@pytest.mark.parametrize(
    "url", ["/", "/courses/adult/", "/accounts/login/", "/stats/", "/class/", "/certificates/verify/"]
)
def test_our_pages_send_a_strict_csp_and_the_other_security_headers(client, seeded, url):
    from django.core.management import call_command

    if url == "/courses/adult/":
        call_command("seed_content", verbosity=0)
    response = client.get(url)

    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_api_sends_the_security_headers_too(client, db):
    response = client.get("/api/v1/reference/sectors")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
