"""Errors under /api/v1/ are JSON with a Japanese message, never Django's HTML page or a
traceback, whether or not DEBUG is on."""

import logging

import pytest
from django.test import Client

from core import reference

pytestmark = pytest.mark.django_db

SERVER_ERROR = "サーバーで問題が起きました。しばらくしてから、もう一度お試しください。"


@pytest.fixture
def broken_sectors(monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(reference, "choices_out", explode)


@pytest.mark.parametrize("debug", [False, True])
def test_an_unhandled_error_in_the_api_answers_json_500_without_a_traceback(settings, broken_sectors, caplog, debug):
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/v1/reference/sectors")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": SERVER_ERROR}
    body = response.content.decode()
    assert "secret-internal-detail" not in body
    assert "Traceback" not in body
    # the error is still in the log, with its traceback, for whoever runs the site
    assert any(record.exc_info and "secret-internal-detail" in str(record.exc_info[1]) for record in caplog.records)


def test_the_api_still_works_when_nothing_is_wrong(client):
    response = client.get("/api/v1/reference/sectors")

    assert response.status_code == 200
    assert response.json()[0]["code"]


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v1/reference/nothing-here", "/api/v1/"])
def test_an_unknown_api_path_answers_json_404(client, settings, path):
    settings.DEBUG = False

    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "見つかりません。URLを確かめてください。"}


def test_an_http404_raised_inside_an_operation_is_japanese_json(client, monkeypatch):
    from django.http import Http404

    def missing(*args, **kwargs):
        raise Http404("internal detail")

    monkeypatch.setattr(reference, "choices_out", missing)

    response = client.get("/api/v1/reference/sectors")

    assert response.status_code == 404
    assert response.json() == {"detail": "見つかりません。URLを確かめてください。"}


@pytest.mark.parametrize(
    ("exception", "status", "detail"),
    [
        ("PermissionDenied", 403, "この操作をする権限がありません。"),
        ("SuspiciousOperation", 400, "リクエストの形が正しくありません。"),
        ("BadRequest", 400, "リクエストの形が正しくありません。"),
    ],
)
def test_django_errors_raised_inside_an_operation_keep_their_status_as_json(
    client, monkeypatch, exception, status, detail
):
    from django.core import exceptions

    def refuse(*args, **kwargs):
        raise getattr(exceptions, exception)("internal detail")

    monkeypatch.setattr(reference, "choices_out", refuse)

    response = client.get("/api/v1/reference/sectors")

    assert response.status_code == status
    assert response.json() == {"detail": detail}
