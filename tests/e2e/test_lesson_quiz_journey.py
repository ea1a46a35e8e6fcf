import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.factories import LearnerProfileFactory
from courses.models import CoursePage, Enrolment, LessonPage
from quizzes.models import Attempt, Quiz
from tests.e2e.test_quiz_journey import answer, fail_and_read_the_feedback


@pytest.fixture
def lesson_with_quiz(transactional_db):
    """The seeded adult course, with a practice quiz an editor placed in its fourth lesson."""
    call_command("seed_content", verbosity=0)
    LearnerProfileFactory(user__email="practice@example.jp")
    quiz = Quiz.objects.create(
        key="practice-4", title="レッスン4の確認問題", pool_tag="general", draw_count=3, pass_mark=100
    )
    lesson = LessonPage.objects.child_of(CoursePage.objects.get(slug="adult")).live().order_by("path")[3]
    lesson.body = [
        *[(block.block_type, block.value) for block in lesson.body],
        ("activity", {"kind": "quiz", "reference": quiz.key}),
    ]
    lesson.save_revision().publish()
    return lesson, quiz


def test_a_learner_answers_the_quiz_in_a_lesson_reads_the_feedback_and_returns_to_the_lesson(page, lesson_with_quiz):
    lesson, quiz = lesson_with_quiz
    page.goto("/accounts/login/")
    page.locator("#id_login").fill("practice@example.jp")
    page.locator("#id_password").fill("correct-horse-battery-9")
    page.locator("main button[type=submit]").click()
    page.goto("/courses/adult/")
    page.get_by_role("button", name="受講を始める").click()
    page.goto(lesson.url)

    slot = page.locator("aside.lesson-quiz")
    expect(slot).to_contain_text("レッスン4の確認問題")
    slot.get_by_role("link", name="問題に答える").click()
    page.get_by_role("button", name="確認テストを始める").click()
    expect(page.locator("fieldset.question")).to_have_count(3)
    assert "is_correct" not in page.content()
    fail_and_read_the_feedback(page, 3)
    page.get_by_role("button", name=re.compile("もう一度受ける")).click()
    answer(page, right=True)
    page.get_by_role("button", name="提出する").click()
    expect(page.locator(".quiz-verdict")).to_contain_text("合格です")
    page.get_by_role("link", name=f"レッスン「{lesson.title}」へ戻る").click()
    expect(page).to_have_url(re.compile(re.escape(lesson.url) + "$"))

    assert Attempt.objects.filter(quiz=quiz, passed=True).count() == 1
    assert Enrolment.objects.get(user__email="practice@example.jp").completed_at is None
    assert page.console_errors == []
