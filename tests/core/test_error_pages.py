"""Every HTML error page is in Japanese, with a way back; those built on the site's layout carry
the 相談窓口 box in the footer. None shows Django's English page."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.factories import LearnerProfileFactory
from accounts.models import LearnerProfile

pytestmark = pytest.mark.django_db

HOME_LINK = 'href="/"'


def assert_japanese_with_a_way_back(response, heading):
    page = response.content.decode()
    assert heading in page
    assert HOME_LINK in page
    assert "トップページへ戻る" in page
    return page


def test_404_is_japanese_with_the_help_box(client, seeded):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    page = assert_japanese_with_a_way_back(response, "ページが見つかりません")
    assert "相談窓口" in page


def test_403_is_japanese_with_the_help_box(client, seeded):
    client.force_login(LearnerProfileFactory().user)

    response = client.get("/classes/")

    assert response.status_code == 403
    page = assert_japanese_with_a_way_back(response, "このページは表示できません")
    assert "相談窓口" in page


def test_400_for_a_bad_host_is_a_static_japanese_page(settings):
    settings.ALLOWED_HOSTS = ["testserver"]

    response = Client().get("/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    page = assert_japanese_with_a_way_back(response, "リクエストを処理できませんでした")
    assert "Bad Request (400)" not in page


def test_a_csrf_failure_is_explained_in_japanese_and_saves_nothing(seeded):
    user = LearnerProfileFactory().user
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(reverse("accounts:profile"), {"display_name": "変えたい名前", "prefecture": "01"})

    assert response.status_code == 403
    page = assert_japanese_with_a_way_back(response, "送信できませんでした")
    assert "CSRF verification failed" not in page
    assert "相談窓口" in page
    assert LearnerProfile.objects.get(user=user).display_name == "山田 太郎"


def test_allauths_rate_limit_answers_the_japanese_429_page(client, seeded):
    user = LearnerProfileFactory().user
    statuses = [client.post(reverse("account_reset_password"), {"email": user.email}).status_code for _ in range(6)]

    assert statuses[-1] == 429
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    page = assert_japanese_with_a_way_back(response, "しばらくお待ちください")
    assert "Too Many Requests" not in page
    assert "相談窓口" in page


def test_500_is_japanese_with_a_way_back_and_no_detail(seeded, monkeypatch):
    from accounts import services

    def explode(user):
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(services, "export_user_data", explode)
    client = Client(raise_request_exception=False)
    client.force_login(LearnerProfileFactory().user)

    response = client.get(reverse("accounts:my_data"))

    assert response.status_code == 500
    page = assert_japanese_with_a_way_back(response, "エラーが発生しました")
    assert "secret-internal-detail" not in page
    assert "Traceback" not in page
