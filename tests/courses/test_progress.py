import pytest
from django.urls import reverse

from accounts.factories import DEFAULT_PASSWORD
from analytics.models import CompletionRecord
from courses import completion
from courses.enums import CompletionRule
from courses.factories import LessonPageFactory, build_course
from courses.models import Enrolment, LessonProgress
from tests.conftest import open_lesson
from tests.courses.conftest import finish, start

pytestmark = pytest.mark.django_db


def test_a_learner_who_finishes_every_required_lesson_completes_once_with_their_dimensions(client, learner, course):
    course_page, lessons = course
    client.force_login(learner)
    start(client, course_page)

    for lesson in lessons:
        finish(client, lesson)
    finish(client, lessons[-1])  # a retry of the last step

    enrolment = Enrolment.objects.get(user=learner, course=course_page)
    assert enrolment.completed_at is not None
    assert enrolment.completed_version == "2026.1"
    record = CompletionRecord.objects.get()
    assert (record.count, record.prefecture, record.sector, record.age_band) == (1, "13", "resident", "30s")
    assert (record.audience, record.delivery, record.course_id) == ("general", "online", course_page.pk)


def test_the_default_rule_waits_for_the_final_quiz(client, learner, course_index):
    course_page, lessons = build_course(course_index, lessons=2, completion_rule=CompletionRule.LESSONS_AND_QUIZ)
    client.force_login(learner)
    start(client, course_page)
    for lesson in lessons:
        finish(client, lesson)

    page = client.get(course_page.url).content.decode()

    assert Enrolment.objects.get(user=learner).completed_at is None
    assert not CompletionRecord.objects.exists()
    assert "必須のレッスンをすべて終えました" in page
    assert 'data-condition="final_quiz"' in page


def test_the_quiz_condition_plugs_into_the_rule(client, learner, course_index):
    course_page, lessons = build_course(course_index, lessons=1, completion_rule=CompletionRule.LESSONS_AND_QUIZ)
    passed = set()
    original = completion._CONDITIONS["final_quiz"]
    completion.register_condition(
        "final_quiz", "確認テストに合格", lambda user, course_id, done, req: user.pk in passed
    )
    try:
        client.force_login(learner)
        start(client, course_page)
        finish(client, lessons[0])
        assert Enrolment.objects.get(user=learner).completed_at is None

        passed.add(learner.pk)
        from courses.services import check_completion

        assert check_completion(learner, Enrolment.objects.get(user=learner)) is True
    finally:
        completion._CONDITIONS["final_quiz"] = original
    assert CompletionRecord.objects.count() == 1


def test_a_lesson_update_for_a_course_not_started_is_refused_and_records_nothing(client, learner, course):
    _course_page, lessons = course
    client.force_login(learner)

    response = finish(client, lessons[0])

    assert response.status_code == 403
    assert "このページは表示できません" in response.content.decode()
    assert not LessonProgress.objects.exists()


def test_a_forged_completion_request_is_refused(client, learner, course):
    course_page, lessons = course
    client.force_login(learner)
    start(client, course_page)

    response = client.post(lessons[0].url, {"action": "complete_course"})

    assert response.status_code == 403
    assert Enrolment.objects.get(user=learner).completed_at is None
    assert not LessonProgress.objects.exists()


def test_a_lesson_under_another_courses_url_is_not_found(client, course, course_index):
    course_page, _lessons = course
    _other, other_lessons = build_course(course_index, lessons=1)

    response = client.get(f"{course_page.url}{other_lessons[0].slug}/")

    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_an_unpublished_lesson_is_not_found_and_cannot_be_recorded(client, learner, course):
    course_page, _lessons = course
    draft = LessonPageFactory(parent=course_page, live=False)
    client.force_login(learner)
    start(client, course_page)

    assert client.get(f"{course_page.url}{draft.slug}/").status_code == 404
    assert client.post(f"{course_page.url}{draft.slug}/", {"action": "done"}).status_code == 404
    assert not LessonProgress.objects.exists()


def test_finishing_the_same_lesson_twice_records_it_once(client, learner, course):
    course_page, lessons = course
    client.force_login(learner)
    start(client, course_page)

    finish(client, lessons[0])
    finish(client, lessons[0])
    start(client, course_page)

    assert LessonProgress.objects.count() == 1
    assert Enrolment.objects.count() == 1


def test_guest_progress_is_carried_into_the_account_at_login(client, learner, course):
    course_page, lessons = course
    start(client, course_page)
    finish(client, lessons[0])
    finish(client, lessons[1])
    assert not Enrolment.objects.exists()

    client.post(reverse("account_login"), {"login": learner.email, "password": DEFAULT_PASSWORD})

    enrolment = Enrolment.objects.get(user=learner, course=course_page)
    assert set(LessonProgress.objects.filter(enrolment=enrolment).values_list("lesson_id", flat=True)) == {
        lessons[0].pk,
        lessons[1].pk,
    }


def test_a_learner_resumes_on_another_device_where_they_stopped(client, learner, course):
    from django.test import Client

    course_page, lessons = course
    client.force_login(learner)
    start(client, course_page)
    finish(client, lessons[0])
    open_lesson(client, lessons[2])  # opened lesson 3, then left

    other_device = Client()
    other_device.force_login(learner)
    page = other_device.get(course_page.url).content.decode()

    assert "続きから学ぶ" in page
    assert f'class="button" href="{lessons[2].url}"' in page


def test_the_lesson_list_shows_done_current_and_not_started(client, learner, course):
    course_page, lessons = course
    client.force_login(learner)
    start(client, course_page)
    finish(client, lessons[0])

    _response, page = open_lesson(client, lessons[1])

    assert page.count("lesson-list__item--done") == 1
    assert page.count("lesson-list__item--current") == 1
    assert page.count("lesson-list__item--not_started") == 1
    assert "1 / 3 レッスン完了（33%）" in page
    assert "残り 約20分" in page


def test_a_new_curriculum_version_does_not_change_earlier_completions(client, learner, course):
    course_page, lessons = course
    client.force_login(learner)
    start(client, course_page)
    for lesson in lessons:
        finish(client, lesson)

    course_page.curriculum_version = "2027.1"
    course_page.save_revision().publish()

    assert Enrolment.objects.get(user=learner).completed_version == "2026.1"
    assert CompletionRecord.objects.get().curriculum_version == "2026.1"


def test_deleting_an_account_keeps_the_completion_counts(client, learner, course):
    course_page, lessons = course
    client.force_login(learner)
    start(client, course_page)
    for lesson in lessons:
        finish(client, lesson)

    client.post(reverse("accounts:delete"), {"password": DEFAULT_PASSWORD, "confirm": "on"})

    assert not Enrolment.objects.exists()
    assert CompletionRecord.objects.count() == 1
    assert CompletionRecord.objects.get().prefecture == "13"


def test_my_data_export_includes_courses_progress_and_reflections(client, learner, course):
    course_page, lessons = course
    client.force_login(learner)
    start(client, course_page)
    finish(client, lessons[0])

    data = client.get(reverse("accounts:export_json")).json()

    assert data["learning"]["enrolments"][0]["course"] == course_page.title
    assert [item["lesson"] for item in data["learning"]["enrolments"][0]["lessons_done"]] == [lessons[0].title]


def test_my_data_page_lists_courses_and_private_reflections(client, learner, course):
    from courses.models import Reflection

    course_page, lessons = course
    client.force_login(learner)
    start(client, course_page)
    finish(client, lessons[0])
    Reflection.objects.create(user=learner, lesson=lessons[0], block_id="b1", text="話せる人は姉")

    page = client.get(reverse("accounts:my_data")).content.decode()

    assert course_page.title in page and "完了したレッスン 1" in page
    assert "話せる人は姉" in page
