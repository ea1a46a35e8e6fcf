import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from accounts.factories import LearnerProfileFactory
from courses.factories import build_course
from courses.models import Reflection
from tests.courses.conftest import finish, start

pytestmark = pytest.mark.django_db


def lesson_queries(client, lesson, django_assert_num_queries_capture):
    client.get(lesson.url)  # warm the shared caches (outline, help resources, lesson body)
    with django_assert_num_queries_capture() as captured:
        response = client.get(lesson.url)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def capture(django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    return lambda: CaptureQueriesContext(connection)


def state_queries(client, lesson, capture):
    url = reverse("courses:lesson_state", args=[lesson.pk])
    client.get(url, HTTP_ACCEPT="application/json")  # warm the outline and the progress snapshot
    with capture() as captured:
        response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return len(captured)


def test_a_signed_in_learners_lesson_runs_a_fixed_number_of_queries(course_index, capture):
    """The shared page: Wagtail's site lookup, the root page, the lesson by id from the cached
    route map, and Wagtail's view-restriction check; the learner's state: only their session."""
    from tests.conftest import session_queries

    small, small_lessons = build_course(course_index, lessons=2)
    big, big_lessons = build_course(course_index, lessons=12)
    pages, states = [], []
    for course_page, lessons, other_learners in ((small, small_lessons, 0), (big, big_lessons, 15)):
        for _ in range(other_learners):
            other = Client()
            other.force_login(LearnerProfileFactory().user)
            start(other, course_page)
            finish(other, lessons[0])
        client = Client()
        client.force_login(LearnerProfileFactory().user)
        start(client, course_page)
        finish(client, lessons[0])
        pages.append(lesson_queries(client, lessons[1], capture))
        states.append(state_queries(client, lessons[1], capture))

    assert pages[0] == pages[1] <= 5
    assert states[0] == states[1] == session_queries()


def test_furigana_is_rendered_as_ruby_and_on_by_default_only_for_children(client, course_index):
    _kids, kids_lessons = build_course(course_index, lessons=1, audience="children", furigana_default=True)
    _adults, adult_lessons = build_course(course_index, lessons=1)

    kids_page = BeautifulSoup(client.get(kids_lessons[0].url).content, "html.parser")
    adult_page = BeautifulSoup(client.get(adult_lessons[0].url).content, "html.parser")

    ruby = kids_page.select_one(".lesson-body ruby")
    assert ruby.rt.get_text() == "こどく" and len(ruby.select("rp")) == 2
    assert "ruby-default-on" in kids_page.html["class"]
    assert "ruby-default-off" in adult_page.html["class"]
    assert kids_page.select_one("[data-ruby-toggle]") is not None


def test_every_lesson_shows_where_to_get_help_even_without_the_block(client, course_index):
    from courses.factories import LessonPageFactory

    course_page, _ = build_course(course_index, lessons=0)
    bare = LessonPageFactory(parent=course_page, body=[("text", "<p>本文だけ</p>")])

    page = client.get(bare.url).content.decode()

    assert "困ったとき・相談したいとき（相談窓口）" in page
    assert "0120-279-338" in page


def test_reflections_are_private_to_their_author_and_deletable(client, course_index):
    from courses.factories import LessonPageFactory

    course_page, _ = build_course(course_index, lessons=0)
    lesson = LessonPageFactory(parent=course_page, body=[("reflection", {"prompt": "だれに話せますか？", "hint": ""})])
    block_id = lesson.body[0].id
    author, other = LearnerProfileFactory().user, LearnerProfileFactory().user
    url = reverse("courses:reflection", args=[lesson.pk, block_id])

    client.force_login(author)
    client.post(url, {"action": "save", "text": "姉に話せると思う"})
    assert Reflection.objects.get(user=author).text == "姉に話せると思う"

    client.force_login(other)
    assert "姉に話せると思う" not in client.get(url).content.decode()

    client.force_login(author)
    client.post(url, {"action": "delete"})
    assert not Reflection.objects.exists()


def test_children_reflections_are_never_stored(client, course_index):
    from courses.factories import LessonPageFactory

    kids, _ = build_course(course_index, lessons=0, audience="children")
    lesson = LessonPageFactory(parent=kids, body=[("reflection", {"prompt": "心の中で考えよう", "hint": ""})])
    client.force_login(LearnerProfileFactory().user)

    page = client.get(lesson.url).content.decode()
    response = client.post(reverse("courses:reflection", args=[lesson.pk, lesson.body[0].id]), {"text": "ひみつ"})

    assert "この画面には何も保存されません" in page
    assert response.status_code == 404
    assert not Reflection.objects.exists()


def test_an_empty_reflection_is_explained_and_saves_nothing(client, learner, course_index):
    from courses.factories import LessonPageFactory

    course_page, _ = build_course(course_index, lessons=0)
    lesson = LessonPageFactory(parent=course_page, body=[("reflection", {"prompt": "問い", "hint": ""})])
    client.force_login(learner)

    response = client.post(reverse("courses:reflection", args=[lesson.pk, lesson.body[0].id]), {"text": ""})

    assert "内容を入力してください" in response.content.decode()
    assert not Reflection.objects.exists()
