"""/healthz for load balancers: database and cache, no login, never cached."""

from unittest import mock

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_with_database_and_cache_and_needs_no_login(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-cache" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_healthz_names_the_database_when_it_cannot_be_reached(client):
    with mock.patch.object(connection, "cursor", side_effect=RuntimeError("connection refused")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert response.json()["checks"] == {"database": "error", "cache": "ok"}
    assert "connection refused" not in response.content.decode()


def test_healthz_names_the_cache_when_it_cannot_be_reached(client):
    with mock.patch("core.views.cache.set", side_effect=ConnectionError("redis down")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]
    assert "redis down" not in response.content.decode()


def test_healthz_answers_without_a_language_prefix_and_without_a_session_cookie(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
