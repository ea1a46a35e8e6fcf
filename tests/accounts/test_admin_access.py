import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import override_settings
from django.urls import reverse

from accounts import roles
from accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def staff_user(group_name=roles.EDITOR, **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(roles.ensure_groups()[group_name])
    return user


def test_a_learner_cannot_enter_the_admin(client, learner):
    client.force_login(learner)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_anonymous_visitor_is_sent_to_the_two_factor_capable_login(client):
    response = client.get("/admin/login/?next=/admin/pages/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2Fpages%2F"


@pytest.mark.parametrize("group_name", [roles.EDITOR, roles.ANALYST])
def test_staff_without_two_factor_are_sent_to_set_it_up(client, group_name):
    client.force_login(staff_user(group_name))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_staff_with_two_factor_who_skipped_it_this_session_must_confirm_it(client):
    user = staff_user()
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_staff_who_sign_in_with_password_and_code_enter_the_admin(client):
    user = staff_user()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)

    first = client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})
    assert first["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    response = client.get("/admin/")

    assert response.status_code == 200
    assert "wagtail" in response.content.decode().lower()


def test_teacher_role_does_not_open_the_admin(client):
    user = staff_user(roles.TEACHER)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@override_settings(ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS=True)
def test_in_development_demo_accounts_skip_two_factor_with_a_notice(client):
    client.force_login(staff_user(is_demo=True))

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "二段階認証を省略しています" in response.content.decode()


@override_settings(ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS=False)
def test_outside_development_demo_accounts_need_two_factor_too(client):
    client.force_login(staff_user(is_demo=True))

    response = client.get("/admin/")

    assert response["Location"].startswith(reverse("mfa_activate_totp"))
