from collections import Counter

import pytest
from django.core.management import call_command

from quizzes.models import Question, Quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded_quizzes():
    call_command("seed_content", verbosity=0)


def test_each_course_has_its_final_quiz_and_survey(seeded_quizzes):
    from courses.models import CoursePage

    for course in CoursePage.objects.all():
        assert course.final_quiz is not None, course.slug
        assert course.survey is not None and course.survey.items.count() >= 3


@pytest.mark.parametrize(("tag", "minimum", "drawn"), [("general", 10, 8), ("staff", 10, 8), ("children", 6, 6)])
def test_each_pool_is_large_enough_and_covers_every_teaching_point(seeded_quizzes, tag, minimum, drawn):
    pool = Question.objects.filter(tags__name=tag).distinct()
    quiz = Quiz.objects.get(pool_tag=tag)

    assert pool.count() >= minimum
    assert quiz.draw_count == drawn
    topics = Counter(pool.values_list("topic", flat=True))
    expected = (
        {"concepts", "supporter", "help"}
        if tag == "children"
        else {"concepts", "figures", "policy", "supporter", "reflection", "help"}
    )
    assert expected <= set(topics)
    for question in pool:
        assert all(choice.feedback for choice in question.choices.all()), question.text
        assert question.explanation


def test_the_childrens_questions_carry_furigana(seeded_quizzes):
    texts = " ".join(Question.objects.filter(tags__name="children").values_list("text", flat=True))

    assert "《" in texts
