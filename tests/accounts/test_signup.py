import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.factories import DEFAULT_PASSWORD
from accounts.models import LearnerProfile, User

pytestmark = pytest.mark.django_db

VALID = {
    "email": "hanako@example.jp",
    "password1": "tsunagari-pass-2026",
    "password2": "tsunagari-pass-2026",
    "display_name": "佐藤 花子",
    "prefecture": "27",
    "municipality": "大阪市",
    "sector": "welfare",
    "age_band": "40s",
    "sex": "female",
    "agree_purpose": "on",
}


def signup(client, **changes):
    data = {**VALID, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(reverse("account_signup"), data)


def test_signup_stores_the_profile_exactly_and_sends_a_verification_email(client):
    response = signup(client)

    assert response.status_code == 302
    user = User.objects.get(email="hanako@example.jp")
    profile = LearnerProfile.objects.get(user=user)
    assert (profile.display_name, profile.prefecture, profile.municipality) == ("佐藤 花子", "27", "大阪市")
    assert (profile.sector, profile.age_band, profile.sex) == ("welfare", "40s", "female")
    assert profile.purpose_agreed_at is not None
    assert EmailAddress.objects.get(user=user).verified is False
    assert len(mail.outbox) == 1
    assert "hanako@example.jp" in mail.outbox[0].to


def test_signup_accepts_no_answer_for_every_profile_field(client):
    response = signup(
        client, display_name="", municipality="", prefecture="00", sector="no_answer", age_band="no_answer", sex=None
    )

    assert response.status_code == 302
    profile = LearnerProfile.objects.get(user__email="hanako@example.jp")
    assert (profile.prefecture, profile.sector, profile.age_band, profile.sex) == (
        "00",
        "no_answer",
        "no_answer",
        "no_answer",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"prefecture": "48"}, "都道府県の選択肢にない値です"),
        ({"prefecture": ""}, "都道府県を選んでください"),
        ({"sector": "astronaut"}, "分野の選択肢にない値です"),
        ({"sector": "pupil"}, "分野の選択肢にない値です"),
        ({"age_band": "10s"}, "年代の選択肢にない値です"),
        ({"sex": "x"}, "性別の選択肢にない値です"),
        ({"agree_purpose": None}, "利用目的への同意が必要です"),
        ({"email": "not-an-email"}, "有効なメールアドレスを入力してください"),
        ({"password1": "12345678", "password2": "12345678"}, "このパスワードは"),
        ({"password2": "something-else-2026"}, "同じパスワードを入力してください"),
    ],
)
def test_invalid_signup_is_explained_in_japanese_and_saves_nothing(client, changes, message):
    response = signup(client, **changes)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert not LearnerProfile.objects.exists()


def test_duplicate_account_is_told_on_the_form(client):
    signup(client)
    client.logout()

    response = signup(client, email="HANAKO@example.jp")

    assert response.status_code == 200
    assert "このメールアドレスはすでに登録されています" in response.content.decode()
    assert User.objects.count() == 1


def test_too_many_failed_logins_are_refused_with_a_japanese_message(client, learner):
    for _attempt in range(5):
        client.post(reverse("account_login"), {"login": learner.email, "password": "wrong-password"})

    response = client.post(reverse("account_login"), {"login": learner.email, "password": "wrong-password"})
    blocked = client.post(reverse("account_login"), {"login": learner.email, "password": DEFAULT_PASSWORD})

    assert "ログイン失敗が連続しています" in response.content.decode()
    assert "ログイン失敗が連続しています" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_signup_page_states_the_purpose_of_use_and_offers_no_answer(client):
    page = client.get(reverse("account_signup")).content.decode()

    assert "お聞きする情報と利用目的" in page
    assert page.count("回答しない") >= 4
