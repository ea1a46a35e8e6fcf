"""A quiz placed in a lesson with the quiz slot block: practice at any point of the course,
graded on the server with feedback, completing nothing."""

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError

from analytics.models import CompletionRecord
from certificates.models import Certificate
from courses.blocks import ActivitySlotBlock
from courses.models import Enrolment
from quizzes.factories import make_quiz
from quizzes.models import Attempt, Choice
from tests.courses.conftest import start
from tests.quizzes.test_attempts import answers_for

pytestmark = pytest.mark.django_db


def place(lesson, reference):
    lesson.body = [
        *[(block.block_type, block.value) for block in lesson.body],
        ("activity", {"kind": "quiz", "reference": reference}),
    ]
    lesson.save_revision().publish()
    lesson.refresh_from_db()


@pytest.fixture
def practice(quiz_course, bank):
    course, lessons = quiz_course
    quiz = make_quiz(key="practice-1", draw_count=2, pass_mark=100)
    quiz.title = "ふりかえりの問題"
    quiz.save()
    place(lessons[0], quiz.key)
    return course, lessons, quiz


def test_the_lesson_shows_the_quiz_and_a_link_to_take_it(client, learner, practice):
    course, lessons, _quiz = practice
    client.force_login(learner)
    start(client, course)

    html = BeautifulSoup(client.get(lessons[0].url).content, "html.parser")

    slot = html.select_one("aside.lesson-quiz")
    assert "ふりかえりの問題" in slot.get_text()
    assert slot.select_one("a.button")["href"] == f"{course.url}check/practice-1/"
    assert "修了には関係しません" in slot.get_text()


def test_it_is_taken_before_the_lessons_are_done_and_completes_nothing(client, learner, practice):
    course, lessons, quiz = practice
    client.force_login(learner)
    start(client, course)
    url = f"{course.url}check/{quiz.key}/"

    page = client.get(url).content.decode()
    assert "ふりかえりの問題" in page and lessons[0].title in page  # the lesson is in the breadcrumbs
    client.post(url, {"action": "start"})
    attempt = Attempt.objects.get(quiz=quiz)
    html = client.get(url).content.decode()
    assert "is_correct" not in html and "正解" not in html
    for item in attempt.layout:
        for choice in Choice.objects.filter(question_id=item["question"]):
            assert choice.feedback not in html

    failed = client.post(url, {**answers_for(attempt, right=False), "action": "submit"})
    assert failed["Location"] == f"{url}result/{attempt.pk}/"
    result = client.get(failed["Location"]).content.decode()
    assert "合格点に届きませんでした" in result and "解説" in result and "相談窓口" in result
    assert f'href="{lessons[0].url}"' in result and f'action="{url}"' in result
    client.post(url, {"action": "start"})
    second = Attempt.objects.filter(quiz=quiz).latest("pk")
    passed = client.post(url, {**answers_for(second), "action": "submit"})
    assert "合格です" in client.get(passed["Location"]).content.decode()

    assert Enrolment.objects.get(user=learner).completed_at is None
    assert not Certificate.objects.exists() and not CompletionRecord.objects.exists()


def test_a_quiz_not_placed_in_this_course_is_not_found(client, learner, practice, quiz_course):
    course, _lessons, _quiz = practice
    make_quiz(key="elsewhere", draw_count=2)
    client.force_login(learner)
    start(client, course)

    assert client.get(f"{course.url}check/elsewhere/").status_code == 404
    assert client.post(f"{course.url}check/elsewhere/", {"action": "start"}).status_code == 404
    assert client.get(f"{course.url}check/no-such-quiz/").status_code == 404
    assert not Attempt.objects.exists()


def test_a_guest_is_sent_to_log_in_and_a_learner_not_enrolled_is_refused(client, learner, practice):
    course, _lessons, quiz = practice
    url = f"{course.url}check/{quiz.key}/"

    guest = client.get(url)
    assert guest.status_code == 302 and "next=" in guest["Location"] and "check" in guest["Location"]
    client.force_login(learner)
    refused = client.post(url, {"action": "start"})
    assert refused.status_code == 403 and "まだ始めていません" in refused.content.decode()
    assert not Attempt.objects.exists()


def test_a_slot_for_the_final_quiz_links_to_it_and_its_lesson_route_sends_there(client, learner, quiz_course):
    course, lessons = quiz_course
    place(lessons[1], "final")
    client.force_login(learner)
    start(client, course)

    html = BeautifulSoup(client.get(lessons[1].url).content, "html.parser")
    assert html.select_one("aside.lesson-quiz a.button")["href"] == f"{course.url}quiz/"
    response = client.get(f"{course.url}check/{course.final_quiz.key}/")
    assert response.status_code == 302 and response["Location"] == f"{course.url}quiz/"


def test_the_block_refuses_a_reference_to_no_quiz(quiz_course):
    block = ActivitySlotBlock()
    with pytest.raises(ValidationError) as refused:
        block.clean(block.to_python({"kind": "quiz", "reference": "no-such-quiz"}))
    assert "この識別子の確認テストはありません" in str(refused.value.block_errors["reference"])
    assert block.clean(block.to_python({"kind": "quiz", "reference": "final"}))["reference"] == "final"


def test_a_random_quiz_needs_as_many_questions_in_its_pool_as_it_draws(bank):
    quiz = make_quiz(key="short-pool", pool_tag="general", draw_count=len(bank) + 1)
    with pytest.raises(ValidationError) as refused:
        quiz.full_clean()
    assert f"問題バンクに{len(bank)}問しかありません" in str(refused.value.message_dict["draw_count"])
    quiz.draw_count = len(bank)
    quiz.full_clean()
    quiz.pool_tag = "no-such-tag"
    with pytest.raises(ValidationError) as refused:
        quiz.full_clean()
    assert "0問しかありません" in str(refused.value.message_dict["draw_count"])


def test_a_quiz_in_a_restricted_lesson_is_only_for_those_who_may_read_it(client, learner, practice):
    from wagtail.models import PageViewRestriction

    course, lessons, quiz = practice
    PageViewRestriction.objects.create(page=lessons[0], restriction_type=PageViewRestriction.PASSWORD, password="x")
    client.force_login(learner)
    start(client, course)

    refused = client.post(f"{course.url}check/{quiz.key}/", {"action": "start"})

    assert refused.status_code == 403
    assert f"レッスン「{lessons[0].title}」を見られる人だけが受けられます" in refused.content.decode()
    assert not Attempt.objects.exists()
