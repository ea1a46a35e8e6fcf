import pytest

from courses.enums import CompletionRule
from courses.factories import build_course
from quizzes.enums import QuestionKind
from quizzes.factories import make_question, make_quiz
from tests.courses.conftest import finish, start


@pytest.fixture
def bank(db):
    """Five questions of every kind, tagged for the general pool."""
    return [
        make_question(QuestionKind.SINGLE, correct=(1,)),
        make_question(QuestionKind.MULTIPLE, correct=(0, 2), n=4),
        make_question(QuestionKind.TRUE_FALSE, correct=(0,), n=2),
        make_question(QuestionKind.ORDERING, n=4),
        make_question(QuestionKind.SCENARIO, correct=(2,)),
    ]


@pytest.fixture
def quiz(bank):
    return make_quiz(draw_count=4, pass_mark=75)


@pytest.fixture
def quiz_course(course_index, quiz):
    course_page, lessons = build_course(course_index, lessons=2, completion_rule=CompletionRule.LESSONS_AND_QUIZ)
    course_page.final_quiz = quiz
    course_page.save_revision().publish()
    return course_page, lessons


@pytest.fixture
def ready(client, learner, quiz_course):
    """A signed-in learner who finished every lesson and can take the quiz."""
    course_page, lessons = quiz_course
    client.force_login(learner)
    start(client, course_page)
    for lesson in lessons:
        finish(client, lesson)
    return course_page
