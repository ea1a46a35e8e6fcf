"""A time limit, when an editor sets one: the quiz page shows it, a learner's extension lengthens
it, and after it (with a minute's grace) nothing more is saved and a submit is graded on what was
saved in time."""

import datetime

import pytest
from django.utils import timezone

from courses.models import Enrolment
from quizzes.models import Attempt, TimeExtension
from tests.quizzes.test_attempts import answers_for, begin

pytestmark = pytest.mark.django_db


@pytest.fixture
def timed(quiz):
    quiz.time_limit_minutes = 20
    quiz.save()
    return quiz


def test_the_deadline_is_set_at_start_with_the_learners_extension_and_shown(client, learner, ready, timed):
    TimeExtension.objects.create(quiz=timed, user=learner, extra_minutes=15)
    before = timezone.now()

    attempt = begin(client, ready)
    page = client.get(f"{ready.url}quiz/").content.decode()

    allowed = datetime.timedelta(minutes=20 + 15)
    assert before + allowed <= attempt.deadline <= timezone.now() + allowed
    assert "制限時間：" in page and "までに提出してください" in page


def test_after_the_time_limit_nothing_more_is_saved(client, ready, timed):
    attempt = begin(client, ready)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=2))

    response = client.post(f"{ready.url}quiz/", {**answers_for(attempt), "action": "save"}, follow=True)

    assert "制限時間を過ぎたため、解答はこれ以上保存できません" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.answers == {} and attempt.submitted_at is None


def test_a_submit_after_the_limit_is_graded_on_the_answers_saved_in_time(client, learner, ready, timed):
    attempt = begin(client, ready)
    client.post(f"{ready.url}quiz/", {**answers_for(attempt, right=False), "action": "save"})
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=2))
    assert "制限時間を過ぎました" in client.get(f"{ready.url}quiz/").content.decode()

    response = client.post(f"{ready.url}quiz/", {**answers_for(attempt, right=True), "action": "submit"})

    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.passed is False and attempt.score == 0.0
    assert Enrolment.objects.get(user=learner).completed_at is None
    page = client.get(response["Location"]).content.decode()
    assert "制限時間を過ぎてから提出されたため" in page and "相談窓口" in page


def test_within_the_grace_minute_the_submit_counts_in_full(client, learner, ready, timed):
    attempt = begin(client, ready)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=20))

    response = client.post(f"{ready.url}quiz/", {**answers_for(attempt, right=True), "action": "submit"})

    attempt.refresh_from_db()
    assert attempt.passed is True
    assert Enrolment.objects.get(user=learner).completed_at is not None
    assert "制限時間を過ぎてから" not in client.get(response["Location"]).content.decode()
