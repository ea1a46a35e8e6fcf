import pytest

from accounts.factories import LearnerProfileFactory
from quizzes.models import Survey, SurveyItem, SurveyParticipation, SurveyTally
from quizzes.services import QuizError, answer_survey, survey_changes
from tests.courses.conftest import start

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(db):
    survey = Survey.objects.create(key="adult", title="ふりかえり")
    for order, text in enumerate(["声のかけ方を知っている", "相談先を知っている"]):
        SurveyItem.objects.create(survey=survey, sort_order=order, text=text)
    return survey


def test_answers_become_anonymous_averages_and_the_change_per_item(survey):
    first, second = survey.items.order_by("sort_order")
    for pre, post in ((2, 4), (3, 5)):
        user = LearnerProfileFactory().user
        answer_survey(survey, user, "pre", {first.pk: pre, second.pk: 1})
        answer_survey(survey, user, "post", {first.pk: post})

    rows = survey_changes(survey, min_responses=1)

    assert (rows[0].pre, rows[0].post, rows[0].change) == (2.5, 4.5, 2.0)
    assert (rows[1].pre, rows[1].post, rows[1].change, rows[1].post_count) == (1.0, None, None, 0)
    stored = {f.name for f in SurveyParticipation._meta.concrete_fields} | {
        f.name for f in SurveyTally._meta.concrete_fields
    }
    assert "value" not in stored  # no individual answer is kept anywhere


def test_a_second_answer_in_the_same_phase_is_not_counted(survey):
    user = LearnerProfileFactory().user
    item = survey.items.first()

    assert answer_survey(survey, user, "pre", {item.pk: 5}) is True
    assert answer_survey(survey, user, "pre", {item.pk: 1}) is False

    assert SurveyTally.objects.get(item=item, phase="pre").total == 5


@pytest.mark.parametrize(("values", "message"), [({0: 3}, "このアンケートにない質問"), (None, "1〜5 から")])
def test_bad_survey_answers_are_refused_and_change_nothing(survey, values, message):
    user = LearnerProfileFactory().user
    values = values if values is not None else {survey.items.first().pk: 9}

    with pytest.raises(QuizError, match=message):
        answer_survey(survey, user, "pre", values)

    assert not SurveyParticipation.objects.exists()
    assert not SurveyTally.objects.filter(responses__gt=0).exists()


def test_the_survey_page_records_a_learner_once(client, learner, course, survey):
    course_page, _lessons = course
    course_page.survey = survey
    course_page.save_revision().publish()
    client.force_login(learner)
    start(client, course_page)
    item = survey.items.first()

    client.post(f"{course_page.url}survey/pre/", {f"item{item.pk}": "4"})
    client.post(f"{course_page.url}survey/pre/", {f"item{item.pk}": "4"})

    assert SurveyTally.objects.get(item=item, phase="pre").responses == 1


def test_averages_of_fewer_than_ten_answers_are_not_shown(survey):
    item = survey.items.first()
    for value in range(9):
        answer_survey(survey, LearnerProfileFactory().user, "pre", {item.pk: 1 + value % 5})

    assert survey_changes(survey)[0].pre is None
    answer_survey(survey, LearnerProfileFactory().user, "pre", {item.pk: 5})
    assert survey_changes(survey)[0].pre == 3.0


def test_the_after_course_survey_waits_for_completion(client, learner, course, survey):
    course_page, _lessons = course
    course_page.survey = survey
    course_page.save_revision().publish()
    client.force_login(learner)
    start(client, course_page)

    response = client.post(f"{course_page.url}survey/post/", {f"item{survey.items.first().pk}": "4"})

    assert response.status_code == 403
    assert "講座を修了してから" in response.content.decode()
    assert not SurveyParticipation.objects.exists()
