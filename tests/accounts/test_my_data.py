import json

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.factories import DEFAULT_PASSWORD
from accounts.models import LearnerProfile, User

pytestmark = pytest.mark.django_db

PRIVATE_FIELDS = {"id", "user"}


def test_export_contains_every_stored_profile_field(client, learner):
    client.force_login(learner)

    response = client.get(reverse("accounts:export_json"))

    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    stored = {f.name for f in LearnerProfile._meta.concrete_fields} - PRIVATE_FIELDS
    assert set(data["profile"]) == stored
    assert data["profile"]["prefecture"] == {"code": "13", "label": "東京都"}
    assert data["profile"]["display_name"] == "山田 太郎"
    assert data["account"]["email"] == learner.email
    assert data["email_addresses"] == [{"email": learner.email, "verified": True, "primary": True}]


def test_my_data_page_shows_the_stored_values_in_japanese(client, learner):
    client.force_login(learner)

    page = client.get(reverse("accounts:my_data")).content.decode()

    for text in ("山田 太郎", "東京都", "一般（地域住民）", "30代", learner.email):
        assert text in page


def test_profile_can_be_changed_and_bad_values_change_nothing(client, learner):
    client.force_login(learner)
    good = {"display_name": "山田 花", "prefecture": "01", "municipality": "", "sector": "npo", "age_band": "20s"}

    bad = client.post(reverse("accounts:profile"), {**good, "prefecture": "99"})
    profile = LearnerProfile.objects.get(user=learner)
    assert "都道府県の選択肢にない値です" in bad.content.decode()
    assert profile.prefecture == "13"

    client.post(reverse("accounts:profile"), good)
    profile.refresh_from_db()
    assert (profile.display_name, profile.prefecture, profile.sector, profile.age_band) == (
        "山田 花",
        "01",
        "npo",
        "20s",
    )


def test_deleting_the_account_needs_the_password(client, learner):
    client.force_login(learner)

    response = client.post(reverse("accounts:delete"), {"password": "wrong", "confirm": "on"})

    assert "パスワードが正しくありません" in response.content.decode()
    assert User.objects.filter(pk=learner.pk).exists()


def test_deleting_the_account_removes_the_person(client, learner):
    client.force_login(learner)

    response = client.post(reverse("accounts:delete"), {"password": DEFAULT_PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=learner.pk).exists()
    assert not LearnerProfile.objects.filter(user_id=learner.pk).exists()
    assert not EmailAddress.objects.filter(email=learner.email).exists()
    assert "_auth_user_id" not in client.session


def test_my_data_needs_a_login(client):
    response = client.get(reverse("accounts:my_data"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
