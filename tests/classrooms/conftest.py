import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.factories import UserFactory
from classrooms import services
from courses.enums import CompletionRule
from courses.factories import build_course
from quizzes.enums import FeedbackTiming, Layout, QuestionKind
from quizzes.factories import make_question, make_quiz


@pytest.fixture
def children_course(course_index):
    """A published children's course: two lessons and a quiz of three questions drawn from three."""
    for correct in ((0,), (1,), (2,)):
        make_question(QuestionKind.SINGLE, tags=("children",), correct=correct)
    quiz = make_quiz(
        key="children-final",
        pool_tag="children",
        draw_count=3,
        pass_mark=60,
        feedback_timing=FeedbackTiming.AFTER_EACH,
        layout=Layout.ONE_PER_PAGE,
    )
    course, lessons = build_course(
        course_index,
        lessons=2,
        audience="children",
        furigana_default=True,
        completion_rule=CompletionRule.LESSONS_AND_QUIZ,
    )
    course.final_quiz = quiz
    course.save_revision().publish()
    return course, lessons


def make_teacher(email="teacher@example.jp"):
    roles.ensure_groups()
    user = UserFactory(email=email)
    user.groups.add(Group.objects.get(name=roles.TEACHER))
    return user


@pytest.fixture
def teacher(db):
    return make_teacher()


@pytest.fixture
def other_teacher(db):
    return make_teacher("teacher2@example.jp")


@pytest.fixture
def make_session(children_course):
    course, _lessons = children_course

    def make(teacher, **kwargs):
        values = {
            "school_name": "つながり小学校",
            "prefecture": "27",
            "grade": "e6",
            "course": course,
            "held_on": timezone.localdate(),
            "municipality": "大阪市",
        }
        values.update(kwargs)
        return services.create_session(teacher=teacher, **values)

    return make


@pytest.fixture
def session(make_session, teacher):
    return make_session(teacher)


def join(client, code, nickname):
    return client.post("/class/", {"code": code, "nickname": nickname})


def finish_all(client, code, lessons):
    for lesson in lessons:
        response = client.post(f"/class/{code}/learn/{lesson.pk}/", {"action": "done"})
        assert response.status_code == 302


def pass_quiz(client, code, right=True):
    """Start the quiz, answer each question (checking each one), and submit."""
    from classrooms.models import PupilQuizAttempt
    from quizzes.models import Choice

    client.post(f"/class/{code}/quiz/", {"action": "start"})
    attempt = PupilQuizAttempt.objects.filter(submitted_at__isnull=True).order_by("-pk").first()
    total = len(attempt.layout)
    for index, item in enumerate(attempt.layout, start=1):
        choices = Choice.objects.filter(pk__in=item["choices"])
        pick = next(c for c in choices if c.is_correct == right)
        response = client.post(
            f"/class/{code}/quiz/",
            {"attempt": attempt.pk, "index": index, "action": "check", f"q{item['question']}": pick.pk},
        )
        assert response.status_code == 302, response.content.decode()[:500]
    response = client.post(f"/class/{code}/quiz/", {"attempt": attempt.pk, "index": total, "action": "submit"})
    assert response.status_code == 302
    return attempt


def yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)
