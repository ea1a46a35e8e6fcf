"""A lesson page is the same for every reader and is cached whole (courses/caching.py): what it
shows must never be stale, and nothing personal may ever be in it."""

import datetime
import http.server
import threading
from unittest import mock

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.factories import LearnerProfileFactory
from courses.models import CoursePage, LessonPage
from tests.conftest import open_lesson
from tests.courses.conftest import finish, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded_courses():
    call_command("seed_content", verbosity=0)
    return {course.audience: course for course in CoursePage.objects.live()}


def lessons_of(course):
    return list(LessonPage.objects.live().child_of(course).order_by("path"))


def lesson_with(course, kind):
    """The first seeded lesson of `course` with an activity slot of `kind`."""
    for lesson in lessons_of(course):
        if any(block.block_type == "activity" and block.value.get("kind") == kind for block in lesson.body):
            return lesson
    raise AssertionError(f"no seeded lesson has a {kind} slot")


def text_of(client, lesson) -> str:
    response = client.get(lesson.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").get_text(" ")


def republish(page):
    page.save_revision().publish()


# --- nothing personal, and cacheable by a proxy -------------------------------------------------


def test_the_lesson_page_is_shared_and_the_learners_state_is_private(seeded_courses):
    lesson = lessons_of(seeded_courses["general"])[1]
    guest = Client()
    learner = Client()
    learner.force_login(LearnerProfileFactory().user)
    start(learner, seeded_courses["general"])

    for_guest, for_learner = guest.get(lesson.url), learner.get(lesson.url)
    state = learner.get(reverse("courses:lesson_state", args=[lesson.pk]), HTTP_ACCEPT="application/json")

    assert for_guest.content == for_learner.content
    assert "public" in for_learner["Cache-Control"] and "s-maxage=" in for_learner["Cache-Control"]
    assert "max-age=0" in for_learner["Cache-Control"]
    assert "Cookie" not in for_learner.get("Vary", "")
    assert not for_learner.cookies
    assert b"csrfmiddlewaretoken" not in for_learner.content
    assert "private" in state["Cache-Control"] and "no-store" in state["Cache-Control"]
    assert "0 / " in state.json()["parts"]["progress"]


def test_the_shared_copy_never_outlives_the_day(seeded_courses):
    lesson = lessons_of(seeded_courses["general"])[0]
    late = timezone.make_aware(datetime.datetime(2026, 12, 4, 23, 59, 30))
    with mock.patch("django.utils.timezone.now", return_value=late):
        response = Client().get(lesson.url)
    assert "s-maxage=30" in response["Cache-Control"]


# --- exact: every object a lesson renders -------------------------------------------------------


def test_a_published_change_to_another_lesson_shows_in_this_lessons_list(seeded_courses):
    first, second = lessons_of(seeded_courses["general"])[:2]
    client = Client()
    assert second.title in text_of(client, first)

    second.title = "改題したレッスン"
    republish(second)

    assert "改題したレッスン" in text_of(client, first)


def test_a_published_change_to_the_course_shows_in_its_lessons(seeded_courses):
    course = seeded_courses["general"]
    lesson = lessons_of(course)[0]
    client = Client()
    text_of(client, lesson)

    course.title = "改題した講座"
    republish(course)

    assert "改題した講座" in text_of(client, lesson)


def test_a_changed_h5p_activity_shows_at_once(seeded_courses):
    from h5p.models import H5PContent

    lesson = lesson_with(seeded_courses["general"], "h5p")
    key = next(b.value["reference"] for b in lesson.body if b.block_type == "activity")
    client = Client()
    text_of(client, lesson)

    content = H5PContent.objects.get(key=key)
    content.title = "新しい題のアクティビティ"
    content.save()

    assert "新しい題のアクティビティ" in text_of(client, lesson)


def test_a_changed_quiz_title_in_a_slot_shows_at_once(seeded_courses):
    from quizzes.models import Quiz

    course = seeded_courses["general"]
    lesson = lessons_of(course)[2]
    quiz = Quiz.objects.exclude(pk=course.final_quiz_id).first() or Quiz.objects.first()
    lesson.body.append(("activity", {"kind": "quiz", "reference": quiz.key, "required": False, "pass_percent": None}))
    republish(lesson)
    client = Client()
    assert quiz.title in text_of(client, lesson)

    quiz.title = "題を変えた練習問題"
    quiz.save()

    assert "題を変えた練習問題" in text_of(client, lesson)


def test_a_changed_help_resource_shows_at_once(seeded_courses):
    from home.models import HelpResource

    lesson = lessons_of(seeded_courses["general"])[0]
    client = Client()
    resource = HelpResource.objects.get(phone="0120-279-338")
    assert resource.name in text_of(client, lesson)

    resource.name = "名前を変えた相談窓口"
    resource.save()

    assert "名前を変えた相談窓口" in text_of(client, lesson)


def test_a_campaign_line_appears_on_its_first_day_and_goes_after_its_last(seeded_courses):
    from home.models import HelpResource

    lesson = lessons_of(seeded_courses["general"])[0]
    today = timezone.localdate()
    HelpResource.objects.create(
        name="期間限定の相談ダイヤル",
        phone="#9999",
        audience="all",
        campaign_start=today + datetime.timedelta(days=1),
        campaign_end=today + datetime.timedelta(days=1),
        last_verified=today,
    )
    client = Client()
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    day_after = timezone.now() + datetime.timedelta(days=2)

    assert "期間限定の相談ダイヤル" not in text_of(client, lesson)
    with mock.patch("django.utils.timezone.now", return_value=tomorrow):
        assert "期間限定の相談ダイヤル" in text_of(client, lesson)
    with mock.patch("django.utils.timezone.now", return_value=day_after):
        assert "期間限定の相談ダイヤル" not in text_of(client, lesson)


def test_a_new_player_origin_shows_in_the_activity_frames(seeded_courses, settings):
    lesson = lesson_with(seeded_courses["general"], "h5p")
    client = Client()
    client.get(lesson.url)

    settings.H5P_PLAYER_ORIGIN = "http://player.example.test:8123"
    html = client.get(lesson.url).content.decode()

    assert 'src="http://player.example.test:8123/h5p/player/' in html


# --- who never gets the shared copy ---------------------------------------------------------------


def test_an_editor_gets_their_own_copy_with_the_user_bar(seeded_courses, settings):
    from django.contrib.auth.models import Permission

    from accounts.factories import UserFactory

    settings.ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS = True
    lesson = lessons_of(seeded_courses["general"])[0]
    editor = UserFactory(is_staff=True, is_demo=True)
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = Client()
    from accounts.factories import DEFAULT_PASSWORD

    client.post(reverse("account_login"), {"login": editor.email, "password": DEFAULT_PASSWORD})
    assert client.cookies["tsunagari_editor"].value == "1"

    response = client.get(lesson.url)

    assert "wagtail-userbar" in response.content.decode()
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "wagtail-userbar" not in Client().get(lesson.url).content.decode()


def test_a_restricted_lesson_is_never_shared_and_its_state_needs_the_password(seeded_courses):
    from wagtail.models import PageViewRestriction

    lesson = lessons_of(seeded_courses["general"])[0]
    restriction = PageViewRestriction.objects.create(page=lesson, restriction_type="password", password="himitsu")
    client = Client()
    state_url = reverse("courses:lesson_state", args=[lesson.pk])

    refused = client.get(lesson.url)
    assert "password" in refused.content.decode().lower()
    assert client.get(state_url).status_code == 403

    client.post(
        reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, lesson.pk]),
        {"password": "himitsu", "return_url": lesson.url},
    )
    passed = client.get(lesson.url)
    assert passed.status_code == 200 and "private" in passed["Cache-Control"]
    assert client.get(state_url).status_code == 200


def test_a_restriction_added_to_the_course_after_a_read_guards_its_lessons_at_once(seeded_courses):
    """The check that skips the restriction query (core.routing.view_restrictions) learns of a new
    restriction on an ancestor at once, and of its removal."""
    from wagtail.models import PageViewRestriction

    course = seeded_courses["general"]
    lesson = lessons_of(course)[1]
    client = Client()
    assert client.get(lesson.url).status_code == 200  # shared copy and guarded paths now cached

    restriction = PageViewRestriction.objects.create(page=course, restriction_type="login")
    refused = client.get(lesson.url)
    assert refused.status_code == 302 and "login" in refused["Location"]

    restriction.delete()
    assert client.get(lesson.url).status_code == 200


def test_a_warm_lesson_page_costs_no_query_for_a_guest_or_a_learner(seeded_courses, django_assert_num_queries):
    """Once Wagtail has rendered it, the shared copy answers before routing and before the session
    is read; the first request after an edit renders it again (Site, root, lesson, and so on)."""
    course = seeded_courses["general"]
    lesson = lessons_of(course)[1]
    guest = Client()
    learner = Client()
    learner.force_login(LearnerProfileFactory().user)
    start(learner, course)
    first = guest.get(lesson.url)
    for client in (guest, learner):
        with django_assert_num_queries(0):
            response = client.get(lesson.url)
        assert response.status_code == 200
        assert response.content == first.content
        assert "Cookie" not in response.get("Vary", "")
        assert not response.cookies
    lesson.title = "新しい題"
    lesson.save_revision().publish()
    with CaptureQueriesContext(connection) as after_edit:
        response = guest.get(lesson.url)
    assert "新しい題" in response.content.decode()
    assert len(after_edit) > 0


def test_the_state_of_an_unknown_or_draft_lesson_is_not_found(seeded_courses):
    lesson = lessons_of(seeded_courses["general"])[0]
    lesson.unpublish()
    client = Client()
    assert client.get(reverse("courses:lesson_state", args=[lesson.pk])).status_code == 404
    assert client.get("/learn/lessons/999999/me/").status_code == 404
    assert client.post(reverse("courses:lesson_state", args=[lesson.pk])).status_code == 405


# --- without JavaScript ---------------------------------------------------------------------------


def test_without_javascript_the_lesson_links_to_a_page_with_the_finish_button(seeded_courses):
    course = seeded_courses["general"]
    first, second = lessons_of(course)[:2]
    client = Client()
    client.force_login(LearnerProfileFactory().user)
    start(client, course)

    page = BeautifulSoup(client.get(first.url).content, "html.parser")
    link = page.select_one('[data-personal="finish"] a')["href"]
    state = BeautifulSoup(client.get(link).content, "html.parser")
    form = state.select_one(".lesson-finish form")
    response = client.post(
        form["action"],
        {"action": "done", "csrfmiddlewaretoken": form.select_one("[name=csrfmiddlewaretoken]")["value"]},
    )

    assert link == reverse("courses:lesson_state", args=[first.pk])
    assert response.status_code == 302 and response["Location"] == second.url
    assert "1 / " in open_lesson(client, second)[1]


# --- the front-end cache is purged ----------------------------------------------------------------


class PurgeRecorder(http.server.BaseHTTPRequestHandler):
    seen: list

    def do_PURGE(self):
        self.seen.append((self.headers["Host"], self.path))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def purge_server(settings):
    PurgeRecorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PurgeRecorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WAGTAILFRONTENDCACHE = {
        "proxy": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": f"http://127.0.0.1:{server.server_port}",
        }
    }
    yield PurgeRecorder.seen
    server.shutdown()


def test_a_change_purges_every_lesson_in_both_languages_from_the_proxy(seeded_courses, purge_server):
    from quizzes.models import Quiz

    lessons = LessonPage.objects.live()
    quiz = Quiz.objects.first()
    quiz.title = "題を変えた"
    quiz.save()

    purged = {path for _host, path in purge_server}
    for lesson in lessons:
        assert lesson.url in purged
        assert f"/en{lesson.url}" in purged


def test_finishing_a_lesson_changes_only_the_learners_state(seeded_courses):
    course = seeded_courses["general"]
    first, second = lessons_of(course)[:2]
    client = Client()
    client.force_login(LearnerProfileFactory().user)
    start(client, course)
    before = client.get(second.url).content

    finish(client, first)

    assert client.get(second.url).content == before
    assert "lesson-list__item--done" in open_lesson(client, second)[1]


def test_the_state_parts_are_kept_per_state_and_the_token_comes_with_each_answer(seeded_courses):
    """The learner's parts are cached without a CSRF token; each answer carries this browser's
    token, and the finish form filled with it (as lesson-state.js does) finishes the lesson."""
    course = seeded_courses["general"]
    first, second = lessons_of(course)[:2]
    client = Client(enforce_csrf_checks=True)
    client.force_login(LearnerProfileFactory().user)
    client.get(course.url)
    client.post(course.url, {"action": "start", "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    url = reverse("courses:lesson_state", args=[first.pk])
    answer = client.get(url, HTTP_ACCEPT="application/json").json()
    assert answer["csrf_token"]
    form = BeautifulSoup(answer["parts"]["finish"], "html.parser").select_one("form")
    assert form.select_one('input[name="csrfmiddlewaretoken"]')["value"] == ""
    assert client.post(form["action"], {"action": "done"}).status_code == 403  # no token: refused

    _response, html = open_lesson(client, first)
    form = BeautifulSoup(html, "html.parser").select_one('[data-personal="finish"] form')
    data = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
    assert client.post(form["action"], {**data, "action": "done"}).status_code == 302

    after = client.get(url, HTTP_ACCEPT="application/json").json()["parts"]
    assert after["finish"] != answer["parts"]["finish"]
    assert "このレッスンは完了しています" in after["finish"]
    assert after["lesson_list"].count("lesson-list__item--done") == 1
    second_state = client.get(reverse("courses:lesson_state", args=[second.pk]), HTTP_ACCEPT="application/json")
    assert "lesson-list__item--done" in second_state.json()["parts"]["lesson_list"]
