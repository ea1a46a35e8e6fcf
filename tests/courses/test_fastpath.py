"""The lesson fast path must produce exactly the page Wagtail's ordinary serve produces."""

import re

import pytest
from django.test import override_settings

from accounts.factories import LearnerProfileFactory
from courses.factories import build_course
from courses.models import Enrolment
from tests.courses.conftest import finish, start

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def both_paths(client, url):
    with override_settings(COURSES_LESSON_FAST_PATH=False):
        slow = client.get(url)
    client.get(url)  # builds the shell
    fast = client.get(url)
    assert slow.status_code == fast.status_code == 200
    assert "X-Lesson-Render" not in slow
    assert fast["X-Lesson-Render"] == "fast"
    return TOKEN.sub("TOKEN", slow.content.decode()), TOKEN.sub("TOKEN", fast.content.decode())


@pytest.mark.parametrize("finished", [0, 1, 3])
def test_a_signed_in_learner_sees_the_same_page_on_both_paths(client, course_index, finished):
    course_page, lessons = build_course(course_index, lessons=3)
    client.force_login(LearnerProfileFactory().user)
    start(client, course_page)
    for lesson in lessons[:finished]:
        finish(client, lesson)

    slow, fast = both_paths(client, lessons[1].url)

    assert slow == fast
    assert "lesson-list__item--done" in fast if finished else "lesson-list__item--done" not in fast


def test_a_completed_course_shows_the_same_status_on_both_paths(client, course_index):
    course_page, lessons = build_course(course_index, lessons=2)
    client.force_login(LearnerProfileFactory().user)
    start(client, course_page)
    for lesson in lessons:
        finish(client, lesson)
    assert Enrolment.objects.get().completed_at is not None

    slow, fast = both_paths(client, lessons[0].url)

    assert slow == fast
    assert "この講座を修了しました" in fast


@pytest.mark.parametrize("started", [False, True])
def test_a_guest_sees_the_same_page_on_both_paths(client, course_index, started):
    course_page, lessons = build_course(course_index, lessons=3)
    if started:
        start(client, course_page)
        finish(client, lessons[0])

    slow, fast = both_paths(client, lessons[0].url)

    assert slow == fast


def test_the_english_page_is_the_same_on_both_paths(client, course_index):
    _course_page, lessons = build_course(course_index, lessons=2)

    slow, fast = both_paths(client, f"/en{lessons[0].url}")

    assert slow == fast
    assert '<html lang="en"' in fast


def test_the_fast_path_uses_this_requests_csrf_token(client, course_index):
    course_page, lessons = build_course(course_index, lessons=2)
    client.force_login(LearnerProfileFactory().user)
    start(client, course_page)
    client.get(lessons[0].url)

    page = client.get(lessons[0].url).content.decode()

    assert "sentinel" not in page
    response = client.post(lessons[0].url, {"action": "done"})  # the token in the page is accepted
    assert response.status_code == 302


def test_a_published_change_reaches_the_fast_path_at_once(client, course_index):
    _course_page, lessons = build_course(course_index, lessons=1)
    client.get(lessons[0].url)
    lesson = lessons[0]
    lesson.title = "新しい題名"
    lesson.save_revision().publish()

    assert "新しい題名" in client.get(lesson.url).content.decode()


def test_a_view_restriction_is_honoured(client, course_index):
    from wagtail.models import PageViewRestriction

    course_page, lessons = build_course(course_index, lessons=1)
    client.get(lessons[0].url)
    PageViewRestriction.objects.create(page=course_page, restriction_type=PageViewRestriction.LOGIN)

    response = client.get(lessons[0].url)

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_learner_waiting_for_the_quiz_sees_the_same_page_on_both_paths(client, course_index):
    from courses.enums import CompletionRule

    course_page, lessons = build_course(course_index, lessons=2, completion_rule=CompletionRule.LESSONS_AND_QUIZ)
    client.force_login(LearnerProfileFactory().user)
    start(client, course_page)
    for lesson in lessons:
        finish(client, lesson)

    slow, fast = both_paths(client, lessons[1].url)

    assert slow == fast
    assert "必須のレッスンをすべて終えました" in fast


def test_the_fast_csrf_mask_is_a_valid_django_token():
    from django.middleware.csrf import _unmask_cipher_token
    from django.test import RequestFactory

    from courses.fastpath import masked_csrf_token

    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = "abcdefghijklmnopqrstuvwxyzABCDEF"

    tokens = {masked_csrf_token(request) for _ in range(20)}

    assert len(tokens) == 20  # a fresh mask each time
    assert all(len(token) == 64 and _unmask_cipher_token(token) == request.META["CSRF_COOKIE"] for token in tokens)
    assert "CSRF_COOKIE_NEEDS_UPDATE" not in request.META  # the browser's cookie is kept as it is
