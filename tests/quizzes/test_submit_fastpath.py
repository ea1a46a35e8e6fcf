"""The final quiz's submit in two statements (courses.quiz_fastpath, PostgreSQL): it writes exactly
what the ordinary path writes, hands anything unusual to the ordinary path, and records one
attempt and one completion however many times the same submit arrives at once."""

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.factories import LearnerProfileFactory
from analytics import integrity, stats
from analytics.models import AggregateCount, CompletionRecord, PendingCompletion
from certificates.models import Certificate, CertificateEvent
from classrooms.cohorts import create_cohort, join
from courses.factories import build_course
from courses.models import Enrolment
from courses.services import course_outline
from quizzes.models import Attempt
from quizzes.services import answer_keys
from tests.conftest import all_at_once, session_queries
from tests.courses.conftest import finish, start
from tests.quizzes.test_attempts import answers_for, begin

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement submit is PostgreSQL's (CI)"),
]


def ready_learner(course_page, lessons, **profile):
    """A signed-in client of a new learner who finished every lesson and started the quiz."""
    user = LearnerProfileFactory(**profile).user
    client = Client()
    client.force_login(user)
    start(client, course_page)
    for lesson in lessons:
        finish(client, lesson)
    return user, client, begin(client, course_page)


def submit(client, course_page, attempt, right=True):
    answer_keys(attempt.question_ids)  # a running worker has graded this quiz before
    data = {**answers_for(attempt, right=right), "action": "submit"}
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"{course_page.url}quiz/", data)
    assert response.status_code == 302
    assert response["Location"] == f"{course_page.url}quiz/result/{attempt.pk}/"
    return captured.captured_queries


def statements(queries) -> list[str]:
    """The statements a request ran, without the savepoints the test's transaction needs around
    each (in production, outside a transaction, there are none)."""
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def written_by(user):
    """Everything a completion wrote for `user`, without ids, codes and keys that differ anyway."""
    attempt = Attempt.objects.get(user=user)
    enrolment = Enrolment.objects.get(user=user)
    certificate = Certificate.objects.get(user=user)
    record = CompletionRecord.objects.get(source_key=f"enrolment:{enrolment.pk}")
    drop = {"id", "code", "source_key", "user", "certificate", "at", "started_at"}
    return {
        "attempt": (attempt.answers, attempt.points, attempt.score, attempt.passed, attempt.submitted_at is not None),
        "enrolment": (enrolment.completed_at is not None, enrolment.completed_version),
        "certificate": {k: v for k, v in model_to_dict(certificate).items() if k not in drop},
        "events": [
            {k: v for k, v in model_to_dict(event).items() if k not in drop}
            for event in CertificateEvent.objects.filter(certificate=certificate)
        ],
        "record": {k: v for k, v in model_to_dict(record).items() if k not in drop},
    }


@pytest.fixture
def course_and_lessons(quiz_course):
    return quiz_course


def test_it_writes_exactly_what_the_ordinary_path_writes(course_and_lessons, settings):
    course_page, lessons = course_and_lessons
    fast_user, fast_client, fast_attempt = ready_learner(course_page, lessons, prefecture="27", sector="education")
    slow_user, slow_client, slow_attempt = ready_learner(course_page, lessons, prefecture="27", sector="education")
    slow_attempt.layout = fast_attempt.layout  # the same questions in the same order for both
    Attempt.objects.filter(pk=slow_attempt.pk).update(layout=fast_attempt.layout)

    fast_queries = submit(fast_client, course_page, fast_attempt)
    settings.COURSES_LESSON_FAST_PATH = False  # Wagtail's routing and the ordinary submit
    slow_queries = submit(slow_client, course_page, slow_attempt)

    # The fast one read once and wrote once.
    assert len(statements(fast_queries)) == session_queries() + 2
    assert len(slow_queries) > 15
    assert written_by(fast_user) == written_by(slow_user)
    assert written_by(fast_user)["attempt"][3] is True
    # The aggregates hold both completions, cell for cell: 80 cells, each counted twice.
    assert integrity.differences() == []
    assert AggregateCount.objects.filter(count=2).count() == 80
    assert not AggregateCount.objects.exclude(count=2).exists()


def prepared_statements() -> dict[str, int]:
    """This connection's prepared statements: text → times executed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def test_its_two_statements_are_prepared_once_and_reused_by_every_learner(course_and_lessons):
    """PostgreSQL parses and plans them once per connection (half its work per submit otherwise):
    the second learner's submit adds no statement and runs the same two again."""
    course_page, lessons = course_and_lessons
    _user, client, attempt = ready_learner(course_page, lessons)
    submit(client, course_page, attempt)
    before = prepared_statements()
    _user, client, attempt = ready_learner(course_page, lessons, prefecture="01")

    submit(client, course_page, attempt)

    after = prepared_statements()
    assert after.keys() == before.keys()
    ran_again = {text for text in after if after[text] == before[text] + 1}
    assert len(ran_again) == 2
    assert any("FROM quizzes_attempt a" in text for text in ran_again)
    assert any("INSERT INTO analytics_pendingcompletion" in text for text in ran_again)


def test_the_statistics_count_the_completion_from_their_next_read(course_and_lessons):
    """The submit leaves the completion record pending instead of locking the 80 aggregate cells
    every learner shares; the first read of the statistics adds it, once."""
    course_page, lessons = course_and_lessons
    _user, client, attempt = ready_learner(course_page, lessons, prefecture="27")

    submit(client, course_page, attempt)

    record = CompletionRecord.objects.get()
    assert list(PendingCompletion.objects.values_list("record_id", flat=True)) == [record.pk]
    assert not AggregateCount.objects.exists()
    exact = stats.Scope(exact=True, prefectures=None)
    by_prefecture = stats.parse({"group_by": "prefecture"})
    assert stats.compute(by_prefecture, exact).rows == [{"prefecture": "27", "count": 1}]
    assert not PendingCompletion.objects.exists()
    assert AggregateCount.objects.filter(count=1).count() == 80
    assert stats.compute(stats.Query(), exact).total == 1  # read again: not added twice
    assert integrity.differences() == []


def test_a_failed_attempt_is_graded_and_closed_and_nothing_else_is_written(course_and_lessons):
    course_page, lessons = course_and_lessons
    user, client, attempt = ready_learner(course_page, lessons)

    queries = submit(client, course_page, attempt, right=False)

    assert len(statements(queries)) == session_queries() + 2
    attempt.refresh_from_db()
    assert attempt.passed is False and attempt.score == 0.0 and attempt.submitted_at is not None
    assert Enrolment.objects.get(user=user).completed_at is None
    assert not Certificate.objects.exists() and not CompletionRecord.objects.exists()
    assert not AggregateCount.objects.exists() and not PendingCompletion.objects.exists()


def test_a_second_submit_changes_nothing(course_and_lessons):
    course_page, lessons = course_and_lessons
    _user, client, attempt = ready_learner(course_page, lessons)
    submit(client, course_page, attempt)

    queries = submit(client, course_page, attempt, right=False)  # other answers: still the first result

    assert len(statements(queries)) == session_queries() + 1
    attempt.refresh_from_db()
    assert attempt.passed is True and attempt.score == 100.0
    assert Certificate.objects.count() == CompletionRecord.objects.count() == 1
    assert integrity.differences() == []


def test_a_cohort_member_completes_for_their_organisation(course_and_lessons, learner):
    course_page, lessons = course_and_lessons
    user, client, attempt = ready_learner(course_page, lessons)
    cohort = create_cohort(leader=learner, name="みなと区役所", sector="gov_local", prefecture="13", departments=[])
    join(cohort, user)

    queries = submit(client, course_page, attempt)

    assert len(statements(queries)) == session_queries() + 2
    assert CompletionRecord.objects.get().organisation == "みなと区役所"


def test_a_quiz_that_is_final_for_two_courses_goes_the_ordinary_way_and_completes_both(
    course_and_lessons, course_index, quiz
):
    course_page, lessons = course_and_lessons
    other, other_lessons = build_course(course_index, lessons=1, completion_rule=course_page.completion_rule)
    other.final_quiz = quiz
    other.save_revision().publish()
    user, client, attempt = ready_learner(course_page, lessons)
    start(client, other)
    finish(client, other_lessons[0])

    queries = submit(client, course_page, attempt)

    assert len(queries) > 15  # the ordinary path
    assert Enrolment.objects.filter(user=user, completed_at__isnull=False).count() == 2
    assert Certificate.objects.filter(user=user).count() == 2
    assert integrity.differences() == []


def test_a_certificate_already_issued_for_the_enrolment_leaves_nothing_half_written(course_and_lessons):
    """The statement fails as a whole (the certificate's key is taken); the ordinary path then
    completes the course and keeps the certificate that was there."""
    course_page, lessons = course_and_lessons
    user, client, attempt = ready_learner(course_page, lessons)
    enrolment = Enrolment.objects.get(user=user)
    existing = Certificate.objects.create(
        code="ABCDE12345",
        source_key=f"enrolment:{enrolment.pk}",
        user=user,
        holder_name="山田 太郎",
        course_id=course_page.pk,
        course_title=course_page.title,
        audience=course_page.audience,
        curriculum_version=course_page.curriculum_version,
        issued_on="2026-04-01",
    )

    submit(client, course_page, attempt)

    assert list(Certificate.objects.filter(user=user)) == [existing]
    assert Enrolment.objects.get(user=user).completed_at is not None
    assert CompletionRecord.objects.count() == 1
    assert integrity.differences() == []


def test_required_lessons_not_done_means_passed_but_not_completed(course_and_lessons):
    course_page, lessons = course_and_lessons
    user, client, attempt = ready_learner(course_page, lessons)
    Enrolment.objects.get(user=user).progress.filter(lesson=lessons[0]).delete()

    submit(client, course_page, attempt)

    attempt.refresh_from_db()
    assert attempt.passed is True
    assert Enrolment.objects.get(user=user).completed_at is None
    assert not Certificate.objects.exists() and not AggregateCount.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_submit_four_times_at_once_records_one_attempt_and_one_completion(course_and_lessons):
    course_page, lessons = course_and_lessons
    user, client, attempt = ready_learner(course_page, lessons)
    answer_keys(attempt.question_ids)
    data = {**answers_for(attempt), "action": "submit"}
    cookie = client.cookies["sessionid"].value

    def tab(_n):
        other_tab = Client()
        other_tab.cookies["sessionid"] = cookie
        return other_tab.post(f"{course_page.url}quiz/", data).status_code

    statuses, errors = all_at_once(4, tab)

    assert errors == [] and statuses == [302] * 4
    assert Attempt.objects.filter(user=user, submitted_at__isnull=False).count() == 1
    assert Enrolment.objects.get(user=user).completed_at is not None
    assert Certificate.objects.count() == CompletionRecord.objects.count() == 1
    assert CertificateEvent.objects.count() == 1
    assert integrity.differences() == []
    assert AggregateCount.objects.filter(count=1).count() == 80


def test_in_english_the_result_is_the_english_page(course_and_lessons):
    course_page, lessons = course_and_lessons
    _user, client, attempt = ready_learner(course_page, lessons)
    answer_keys(attempt.question_ids)
    data = {**answers_for(attempt), "action": "submit"}
    quiz_url = f"/en{course_page.url}quiz/"
    result_url = f"/en{course_page.url}quiz/result/{attempt.pk}/"
    with translation.override("en"):
        course_outline(course_page.pk)  # a running server has built the English outline before

    with CaptureQueriesContext(connection) as captured:
        response = client.post(quiz_url, data)

    assert response.status_code == 302 and response["Location"] == result_url
    assert len(statements(captured.captured_queries)) == session_queries() + 2
    page = client.get(result_url).content.decode()
    assert "You passed. Congratulations!" in page and "合格です" not in page


def test_a_read_that_fails_hands_the_submit_to_the_ordinary_path(course_and_lessons, monkeypatch):
    """E.g. a prepared statement outdated by a migration while the server runs: the learner still
    gets their result and their completion, from the ordinary path."""
    from courses import quiz_fastpath

    broken = ("SELECT no_such_column FROM quizzes_attempt WHERE id IN (%s, %s, %s, %s)", ())
    monkeypatch.setattr(quiz_fastpath, "_read_statement", lambda: broken)
    course_page, lessons = course_and_lessons
    user, client, attempt = ready_learner(course_page, lessons)

    queries = submit(client, course_page, attempt)

    assert len(statements(queries)) > 15  # the ordinary path's
    assert Enrolment.objects.get(user=user).completed_at is not None
    assert Certificate.objects.filter(user=user).count() == CompletionRecord.objects.count() == 1
    assert integrity.differences() == []
