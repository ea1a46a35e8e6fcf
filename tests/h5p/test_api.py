"""xAPI statements and saved state: only from enrolled learners, only for activities in that
lesson; results are self-reported; the lesson's rules (required, pass percentage) complete it."""

import json

import pytest
from django.test import Client

from courses.models import Enrolment, LessonProgress
from h5p.models import H5PResult, H5PState, XAPIStatement
from tests.conftest import open_lesson
from tests.h5p.conftest import statement

pytestmark = pytest.mark.django_db

XAPI = "/api/v1/h5p/xapi"
STATE = "/api/v1/h5p/state"


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_guest_is_refused_in_japanese_and_nothing_is_stored(client, h5p_lesson):
    _course, lesson, _other = h5p_lesson
    response = post(client, XAPI, {"activity": "choice", "lesson": lesson.pk, "statement": statement()})
    assert response.status_code == 401
    assert response.json()["detail"] == "記録するにはログインしてください。"
    assert XAPIStatement.objects.count() == 0


def test_a_learner_not_enrolled_is_refused(h5p_lesson, learner):
    _course, lesson, _other = h5p_lesson
    client = Client()
    client.force_login(learner)
    response = post(client, XAPI, {"activity": "choice", "lesson": lesson.pk, "statement": statement()})
    assert response.status_code == 403 and "受講していない" in response.json()["detail"]
    state = client.get(STATE, {"activity": "choice", "lesson": lesson.pk})
    assert state.json()["recording"] is False  # may play, nothing recorded
    assert XAPIStatement.objects.count() == 0


def test_only_activities_in_that_lesson_are_accepted(enrolled, h5p_lesson):
    _course, lesson, other = h5p_lesson
    elsewhere = post(enrolled, XAPI, {"activity": "choice", "lesson": other.pk, "statement": statement()})
    assert (
        elsewhere.status_code == 400 and elsewhere.json()["detail"] == "このアクティビティはこのレッスンにありません。"
    )
    unknown = post(enrolled, XAPI, {"activity": "nope", "lesson": lesson.pk, "statement": statement()})
    assert unknown.status_code == 404 and "見つかりません" in unknown.json()["detail"]
    no_lesson = post(enrolled, XAPI, {"activity": "choice", "lesson": 999999, "statement": statement()})
    assert no_lesson.status_code == 404 and no_lesson.json()["detail"] == "レッスンが見つかりません。"
    assert XAPIStatement.objects.count() == 0


def test_a_malformed_statement_is_refused(enrolled, h5p_lesson):
    _course, lesson, _other = h5p_lesson
    response = post(enrolled, XAPI, {"activity": "choice", "lesson": lesson.pk, "statement": {"verb": "x"}})
    assert response.status_code == 400 and "verb" in response.json()["detail"]
    assert XAPIStatement.objects.count() == 0


def test_csrf_is_required(h5p_lesson, learner):
    course, lesson, _other = h5p_lesson
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    Enrolment.objects.create(user=learner, course=course)
    response = post(client, XAPI, {"activity": "choice", "lesson": lesson.pk, "statement": statement()})
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    open_lesson(client, lesson)  # the lesson's state (the learner's own part of the page) sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    ok = client.post(
        XAPI,
        json.dumps({"activity": "choice", "lesson": lesson.pk, "statement": statement()}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert ok.status_code == 201


def test_a_statement_is_stored_as_self_reported_with_our_actor(enrolled, h5p_lesson, learner):
    _course, lesson, _other = h5p_lesson
    response = post(
        enrolled, XAPI, {"activity": "reflection", "lesson": lesson.pk, "statement": statement("completed")}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["stored"] and body["self_reported"] and body["completed"]
    stored = XAPIStatement.objects.get()
    assert stored.user == learner and stored.self_reported and stored.lesson_id == lesson.pk
    assert "actor" not in stored.statement  # the browser's actor is never trusted
    assert H5PResult.objects.get(user=learner).completed


def test_a_required_activity_below_its_pass_percentage_does_not_finish_the_lesson(enrolled, h5p_lesson, learner):
    _course, lesson, _other = h5p_lesson
    low = post(enrolled, XAPI, {"activity": "choice", "lesson": lesson.pk, "statement": statement(raw=0)})
    assert low.status_code == 201 and low.json()["lesson_done"] is False
    assert not LessonProgress.objects.filter(lesson=lesson).exists()

    # The learner cannot finish the lesson by hand either.
    enrolled.post(lesson.url, {"action": "done"})
    assert not LessonProgress.objects.filter(lesson=lesson).exists()
    _response, page = open_lesson(enrolled, lesson)
    assert "必須のアクティビティを終えてから" in page

    high = post(enrolled, XAPI, {"activity": "choice", "lesson": lesson.pk, "statement": statement(raw=1)})
    assert high.json()["lesson_done"] is True and "レッスンを完了しました" in high.json()["message"]
    assert LessonProgress.objects.filter(lesson=lesson, enrolment__user=learner).count() == 1
    # Repeating it changes nothing.
    again = post(enrolled, XAPI, {"activity": "choice", "lesson": lesson.pk, "statement": statement(raw=1)})
    assert again.json()["lesson_done"] is False
    assert LessonProgress.objects.filter(lesson=lesson).count() == 1


def test_an_optional_activity_does_not_finish_the_lesson(enrolled, h5p_lesson):
    _course, lesson, _other = h5p_lesson
    response = post(
        enrolled, XAPI, {"activity": "reflection", "lesson": lesson.pk, "statement": statement("completed")}
    )
    assert response.json()["lesson_done"] is False
    assert not LessonProgress.objects.filter(lesson=lesson).exists()


def test_the_self_reported_score_never_completes_a_course_that_needs_the_final_quiz(course_index, choice, learner):
    from courses.enums import CompletionRule
    from courses.factories import LessonPageFactory, build_course

    course_page, _ = build_course(course_index, lessons=0, completion_rule=CompletionRule.LESSONS_AND_QUIZ)
    lesson = LessonPageFactory(
        parent=course_page,
        body=[("activity", {"kind": "h5p", "reference": "choice", "required": True, "pass_percent": None})],
    )
    client = Client()
    client.force_login(learner)
    client.post(course_page.url, {"action": "start"})
    response = post(client, XAPI, {"activity": "choice", "lesson": lesson.pk, "statement": statement()})
    assert response.json()["lesson_done"] is True
    assert Enrolment.objects.get(user=learner).completed_at is None  # the quiz is still needed


def test_a_lessons_only_course_completes_when_its_required_activity_is_done(course_index, choice, learner):
    from courses.enums import CompletionRule
    from courses.factories import LessonPageFactory, build_course

    course_page, _ = build_course(course_index, lessons=0, completion_rule=CompletionRule.LESSONS_ONLY)
    lesson = LessonPageFactory(
        parent=course_page,
        body=[("activity", {"kind": "h5p", "reference": "choice", "required": True, "pass_percent": None})],
    )
    client = Client()
    client.force_login(learner)
    client.post(course_page.url, {"action": "start"})
    post(client, XAPI, {"activity": "choice", "lesson": lesson.pk, "statement": statement(raw=0)})
    assert Enrolment.objects.get(user=learner).completed_at is not None


def test_state_is_saved_and_returned_for_resume(enrolled, h5p_lesson, learner):
    _course, lesson, _other = h5p_lesson
    empty = enrolled.get(STATE, {"activity": "choice", "lesson": lesson.pk})
    assert empty.json() == {"state": None, "recording": True, "detail": None}
    saved = post(
        enrolled, STATE, {"activity": "choice", "lesson": lesson.pk, "state": '{"selected": 1, "answered": true}'}
    )
    assert saved.status_code == 200
    post(enrolled, STATE, {"activity": "choice", "lesson": lesson.pk, "state": '{"selected": 0, "answered": true}'})
    again = enrolled.get(STATE, {"activity": "choice", "lesson": lesson.pk})
    assert again.json()["state"] == '{"selected": 0, "answered": true}'
    assert H5PState.objects.filter(user=learner).count() == 1


def test_bad_state_is_refused(enrolled, h5p_lesson):
    _course, lesson, _other = h5p_lesson
    not_json = post(enrolled, STATE, {"activity": "choice", "lesson": lesson.pk, "state": "<script>"})
    assert not_json.status_code == 400 and "JSON" in not_json.json()["detail"]
    huge = post(enrolled, STATE, {"activity": "choice", "lesson": lesson.pk, "state": json.dumps("x" * 70_000)})
    assert huge.status_code == 400 and "大きすぎる" in huge.json()["detail"]
    assert H5PState.objects.count() == 0


def test_a_guest_sees_that_nothing_is_recorded(client, h5p_lesson):
    _course, lesson, _other = h5p_lesson
    response = client.get(STATE, {"activity": "choice", "lesson": lesson.pk})
    assert response.status_code == 200
    assert response.json()["recording"] is False and "ログイン" in response.json()["detail"]


def test_an_xapi_post_needs_few_queries(enrolled, h5p_lesson, django_assert_max_num_queries):
    _course, lesson, _other = h5p_lesson
    body = {"activity": "reflection", "lesson": lesson.pk, "statement": statement("progressed")}
    post(enrolled, XAPI, body)  # warm the lesson's cached activity list and the progress snapshot
    # the session (database sessions in tests), the statement, the best result (one upsert); the
    # activity, the lesson's slots and the enrolment come from memory and the cache
    with django_assert_max_num_queries(3):
        assert post(enrolled, XAPI, body).status_code == 201


def test_two_hundred_xapi_posts_cost_one_write_each_and_no_lookups(enrolled, h5p_lesson, learner):
    """In process, 200 statements in a row (as bench/h5p_xapi.py sends them): per POST only the
    session is read (database sessions in tests; the cache in production) and the statement is
    written — one SQL statement on PostgreSQL (statement + best result), two on SQLite. The
    activity, the lesson's slots, the enrolment and the user never reach the database; the lesson's
    completion costs its queries once, when the result first satisfies the lesson."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _course, lesson, _other = h5p_lesson
    post(enrolled, XAPI, {"activity": "choice", "lesson": lesson.pk, "statement": statement(raw=0)})  # warm
    from tests.conftest import session_queries

    writes_per_post = 1 if connection.vendor == "postgresql" else 2
    session_reads = session_queries()
    per_post = []
    for n in range(200):
        body = {"activity": "choice", "lesson": lesson.pk, "statement": statement(raw=n % 2)}
        with CaptureQueriesContext(connection) as queries:
            assert post(enrolled, XAPI, body).status_code == 201
        per_post.append([q["sql"] for q in queries.captured_queries])

    completion = per_post[1]  # the first full score finishes the lesson (once)
    assert any("courses_lessonprogress" in sql for sql in completion)
    # Finishing the lesson renews the learner's progress snapshot: the next POST reads it once.
    assert any("courses_enrolment" in sql for sql in per_post[2])
    for index, sqls in enumerate(per_post):
        if index in (1, 2):
            continue
        assert len(sqls) == session_reads + writes_per_post, "\n".join(s[:120] for s in sqls)
        assert all("django_session" in sql for sql in sqls[:session_reads])
        assert all("h5p_xapistatement" in sql or "h5p_h5presult" in sql for sql in sqls[session_reads:])
    assert XAPIStatement.objects.filter(user=learner).count() == 201
    assert LessonProgress.objects.filter(lesson=lesson, enrolment__user=learner).count() == 1


def test_a_body_that_does_not_fit_is_refused_in_japanese(enrolled):
    for body in ({"activity": "choice", "lesson": "not a number", "statement": {}}, {"activity": "choice"}):
        response = post(enrolled, XAPI, body)
        assert response.status_code == 422
        assert response.json() == {
            "detail": "送信された内容の形式が正しくありません。ページを読み込み直してから、もう一度お試しください。"
        }
    assert enrolled.get(STATE, {"activity": "choice", "lesson": "x"}).status_code == 422
    assert XAPIStatement.objects.count() == 0


def test_too_many_posts_from_one_learner_are_refused_for_a_minute(enrolled, h5p_lesson, learner, settings):
    settings.H5P_POST_LIMIT_PER_MINUTE = 3
    _course, lesson, _other = h5p_lesson
    body = {"activity": "reflection", "lesson": lesson.pk, "statement": statement("progressed")}
    assert [post(enrolled, XAPI, body).status_code for _ in range(3)] == [201, 201, 201]
    refused = post(enrolled, XAPI, body)
    assert refused.status_code == 429
    assert refused.json()["detail"] == "記録の送信が多すぎます。1分ほど待ってから、もう一度お試しください。"
    state = post(enrolled, STATE, {"activity": "choice", "lesson": lesson.pk, "state": "{}"})
    assert state.status_code == 429  # statements and state share the learner's budget
    assert XAPIStatement.objects.filter(user=learner).count() == 3 and H5PState.objects.count() == 0
    # Reading the saved state is not limited.
    assert enrolled.get(STATE, {"activity": "choice", "lesson": lesson.pk}).status_code == 200


def test_the_error_responses_are_declared_in_the_api_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, method, ok in (("/api/v1/h5p/xapi", "post", "201"), ("/api/v1/h5p/state", "post", "200")):
        responses = schema["paths"][path][method]["responses"]
        assert set(responses) == {ok, "400", "401", "403", "404", "422", "429"}
        assert responses["429"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
    assert schema["components"]["schemas"]["ErrorOut"]["required"] == ["detail"]
