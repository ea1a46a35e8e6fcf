"""Every role × every protected URL: who gets the page, who is sent to log in, who is refused.

OK = 200; LOGIN = 302 to a login page (for someone logged in without admin access, this is how
Wagtail refuses the admin: "log in as someone who may"); HOME = 302 to the admin dashboard (how
Wagtail refuses an admin user an admin page their role does not include); DENY = 403; GONE = 404
(someone else's object: not even its existence is told); JOIN = 302 to the class's join page (a
device that has not joined that class); BAD = 400 (a filter outside the analyst's scope is refused
by the form with a message). Two-factor for the admin is tested in tests/accounts; here every account is a
demo account with settings.ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS on, so the roles themselves are tested.
"""

import datetime
import re

import pytest
from django.test import Client

from accounts import roles
from accounts.factories import LearnerProfileFactory, UserFactory
from accounts.models import AnalystScope

OK, LOGIN, HOME, DENY, GONE, JOIN, BAD = "OK", "LOGIN", "HOME", "DENY", "GONE", "JOIN", "BAD"

ROLES = [
    "anonymous",
    "pupil",
    "learner",
    "teacher",
    "leader",
    "lecturer",
    "analyst_pref",
    "analyst_national",
    "editor",
    "admin",
]


def row(anonymous, pupil, learner, teacher, leader, lecturer, analyst_pref, analyst_national, editor, admin):
    return dict(
        zip(
            ROLES,
            (anonymous, pupil, learner, teacher, leader, lecturer, analyst_pref, analyst_national, editor, admin),
            strict=True,
        )
    )


PUBLIC = row(*[OK] * 10)
ANY_ACCOUNT = row(LOGIN, LOGIN, OK, OK, OK, OK, OK, OK, OK, OK)
NOT_ADMIN = (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)  # anonymous, pupil, learner, teacher, leader, lecturer
ADMIN_ENTRY = row(*NOT_ADMIN, OK, OK, OK, OK)
ANALYSTS = row(*NOT_ADMIN, OK, OK, HOME, OK)
EDITORS = row(*NOT_ADMIN, HOME, HOME, OK, OK)
SUPERUSER = row(*NOT_ADMIN, HOME, HOME, HOME, OK)
TEACHERS = row(LOGIN, LOGIN, DENY, OK, DENY, DENY, DENY, DENY, DENY, OK)
LEADERS = row(LOGIN, LOGIN, DENY, DENY, OK, DENY, DENY, DENY, DENY, OK)
LECTURERS = row(LOGIN, LOGIN, DENY, DENY, DENY, OK, DENY, DENY, DENY, OK)

MATRIX = {
    # public pages
    "/": PUBLIC,
    "/stats/": PUBLIC,
    "/courses/adult/": PUBLIC,
    "/certificates/verify/": PUBLIC,
    "/class/": PUBLIC,
    "/api/v1/stats/completions?group_by=prefecture": PUBLIC,
    "/api/v1/openapi.json": PUBLIC,
    "/healthz": PUBLIC,
    # a learner's own data
    "/accounts/profile/": ANY_ACCOUNT,
    "/accounts/my-data/": ANY_ACCOUNT,
    "/accounts/my-data/export.json": ANY_ACCOUNT,
    "/accounts/delete/": ANY_ACCOUNT,
    # the admin
    "/admin/": ADMIN_ENTRY,
    "/admin/pages/": row(*NOT_ADMIN, HOME, HOME, OK, OK),
    "/admin/analytics/": ANALYSTS,
    "/admin/analytics/export/sector.csv": ANALYSTS,
    "/admin/analytics/export/month.xlsx": ANALYSTS,
    "/admin/analytics/reports/": ANALYSTS,
    "/admin/certificates/": SUPERUSER,
    "/admin/h5p/": EDITORS,
    "/admin/h5p/upload/": EDITORS,
    "/admin/users/": SUPERUSER,
    "/django-admin/": row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, OK),
    # analytics by scope: the Tokyo analyst may not ask for Hokkaido's exact figures
    "/api/v1/stats/completions?group_by=sector&prefecture=01": row(OK, OK, OK, OK, OK, OK, DENY, OK, OK, OK),
    "/api/v1/stats/completions?group_by=sector&prefecture=13": PUBLIC,
    "/admin/analytics/export/sector.csv?prefecture=01": row(*NOT_ADMIN, BAD, OK, HOME, OK),
    # roles outside the admin
    "/classes/": TEACHERS,
    "/classes/new/": TEACHERS,
    # a teacher's own class; nobody else sees it, not even an administrator
    "/classes/{own_class}/": row(LOGIN, LOGIN, DENY, OK, DENY, DENY, DENY, DENY, DENY, GONE),
    "/classes/{own_class}/live.json": row(LOGIN, LOGIN, GONE, OK, GONE, GONE, GONE, GONE, GONE, GONE),
    "/classes/{other_class}/": row(LOGIN, LOGIN, DENY, GONE, DENY, DENY, DENY, DENY, DENY, GONE),
    "/classes/{other_class}/live.json": row(LOGIN, LOGIN, GONE, GONE, GONE, GONE, GONE, GONE, GONE, GONE),
    "/org/": LEADERS,
    "/reports/": LECTURERS,
    "/reports/new/": LECTURERS,
    # a pupil's class, and another class
    "/class/{pupil_code}/learn/": row(JOIN, OK, JOIN, JOIN, JOIN, JOIN, JOIN, JOIN, JOIN, JOIN),
    # the quiz stays closed until the pupil has finished the lessons
    "/class/{pupil_code}/quiz/": row(JOIN, DENY, JOIN, JOIN, JOIN, JOIN, JOIN, JOIN, JOIN, JOIN),
    "/class/{other_code}/learn/": row(*[JOIN] * 10),
}


def outcome(response) -> str:
    status = response.status_code
    if status == 200:
        return OK
    if status == 404:
        return GONE
    if status == 403:
        return DENY
    if status == 400:
        return BAD
    if status in (301, 302):
        location = response["Location"]
        if "login" in location:
            return LOGIN
        if location == "/admin/":
            return HOME
        if re.fullmatch(r"/class/[0-9A-Z]{6}/", location):
            return JOIN
        return f"REDIRECT {location}"
    return f"HTTP {status}"


@pytest.fixture
def people(db, settings, seeded):
    from django.core.management import call_command

    settings.ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS = True
    call_command("seed_content", verbosity=0)
    groups = roles.ensure_groups()

    def member(email, *names, **fields):
        user = UserFactory(email=email, is_demo=True, **fields)
        for name in names:
            user.groups.add(groups[name])
        return user

    users = {
        "learner": LearnerProfileFactory(user__email="m-learner@example.jp", user__is_demo=True).user,
        "teacher": member("m-teacher@example.jp", roles.TEACHER),
        "leader": member("m-leader@example.jp", roles.ORGANISATION_LEADER),
        "lecturer": member("m-lecturer@example.jp", roles.LECTURER),
        "analyst_pref": member("m-analyst13@example.jp", roles.ANALYST),
        "analyst_national": member("m-analyst@example.jp", roles.ANALYST),
        "editor": member("m-editor@example.jp", roles.EDITOR),
        "admin": member("m-admin@example.jp", is_superuser=True, is_staff=True),
    }
    AnalystScope.objects.create(user=users["analyst_pref"], prefectures=["13"])
    AnalystScope.objects.create(user=users["analyst_national"], is_national=True)

    from classrooms import services as classrooms
    from courses.models import CoursePage

    children = CoursePage.objects.get(slug="children")
    other_teacher = member("m-teacher2@example.jp", roles.TEACHER)
    today = datetime.date.today()
    own = classrooms.create_session(
        teacher=users["teacher"], school_name="A小", prefecture="13", grade="e6", course=children, held_on=today
    )
    other = classrooms.create_session(
        teacher=other_teacher, school_name="B小", prefecture="13", grade="e5", course=children, held_on=today
    )
    clients = {"anonymous": Client()}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    pupil = Client()
    pupil.post(f"/class/{own.code}/", {"code": own.code, "nickname": "さくら"})
    clients["pupil"] = pupil
    names = {"own_class": own.pk, "other_class": other.pk, "pupil_code": own.code, "other_code": other.code}
    return clients, names


def test_every_role_gets_exactly_what_the_matrix_says(people):
    clients, names = people
    wrong = []
    for url_template, expected in MATRIX.items():
        url = url_template.format(**names)
        for role in ROLES:
            got = outcome(clients[role].get(url))
            if got != expected[role]:
                wrong.append(f"{role:17} {url:60} expected {expected[role]}, got {got}")

    assert wrong == [], "\n" + "\n".join(wrong)


def test_an_analyst_asking_outside_their_scope_is_told_why_in_japanese(people):
    clients, _names = people

    api = clients["analyst_pref"].get("/api/v1/stats/completions?group_by=sector&prefecture=01")
    export = clients["analyst_pref"].get("/admin/analytics/export/sector.csv?prefecture=01")

    assert api.status_code == 403
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", api.json()["detail"])
    assert export.status_code == 400
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", export.content.decode())
