""" "My data" covers every record kept about a person, in a bounded number of queries, and
erasure removes or anonymises each of them as docs/privacy.md says."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.factories import DEFAULT_PASSWORD, LearnerProfileFactory, UserFactory
from analytics.models import AggregateCount, CompletionRecord, SessionReport, SessionReportEvent, SessionReportLine
from certificates.models import Certificate
from certificates.services import format_code, issue
from classrooms.cohorts import create_cohort
from classrooms.models import ClassSession, CohortMember, OrganisationCohort, Pupil
from courses.factories import build_course
from courses.models import Enrolment, LessonProgress, Reflection
from h5p.models import H5PContent, H5PLibrary, H5PResult, H5PState, XAPIStatement
from quizzes.factories import make_question, make_quiz
from quizzes.models import Attempt, Survey, SurveyParticipation, TimeExtension

pytestmark = pytest.mark.django_db


def _library():
    library, _ = H5PLibrary.objects.get_or_create(
        machine_name="H5P.Test",
        major_version=1,
        minor_version=0,
        patch_version=0,
        defaults={"title": "Test", "storage_prefix": "h5p/libraries/H5P.Test-1.0"},
    )
    return library


def give_records(user, course_index, n: int, tag: str):
    """`n` rows of every kind of personal record for `user` (names made unique by `tag`)."""
    for i in range(n):
        course, lessons = build_course(course_index, lessons=2, title=f"講座{tag}{i}")
        enrolment = Enrolment.objects.create(user=user, course=course)
        for lesson in lessons:
            LessonProgress.objects.create(enrolment=enrolment, lesson=lesson)
            Reflection.objects.create(user=user, lesson=lesson, block_id=f"b{i}", text=f"わたしのふりかえり{tag}{i}")

        questions = [make_question(tags=(f"t{tag}{i}",), text=f"問い{tag}{i}-{k}") for k in range(2)]
        quiz = make_quiz(key=f"quiz-{tag}-{i}", pool_tag=f"t{tag}{i}", draw_count=2)
        layout = [{"question": q.pk, "choices": list(q.choices.values_list("pk", flat=True))} for q in questions]
        first_choice = {str(q.pk): [q.choices.order_by("sort_order")[1].pk] for q in questions}
        for number in (1, 2):
            Attempt.objects.create(
                quiz=quiz,
                user=user,
                number=number,
                layout=layout,
                answers=first_choice,
                submitted_at=timezone.now(),
                score=50.0 * number,
                passed=number == 2,
            )
        TimeExtension.objects.create(quiz=quiz, user=user, extra_minutes=10)
        survey = Survey.objects.create(key=f"survey-{tag}-{i}", title=f"アンケート{tag}{i}")
        SurveyParticipation.objects.create(survey=survey, user=user, phase="pre")

        issue(
            source_key=f"test:{tag}:{i}",
            user=user,
            holder_name="山田 太郎",
            course_id=course.pk,
            course_title=course.title,
            audience="general",
            curriculum_version="2026.1",
            issued_on=datetime.date(2026, 11, 1),
        )

        leader = UserFactory(email=f"leader-{tag}-{i}@example.jp")
        cohort = create_cohort(
            leader=leader, name=f"つながり市役所{tag}{i}", sector="gov_local", prefecture="13", departments=["福祉課"]
        )
        CohortMember.objects.create(cohort=cohort, user=user, department="福祉課")
        own = create_cohort(leader=user, name=f"わたしの団体{tag}{i}", sector="npo", prefecture="27", departments=[])
        CohortMember.objects.create(cohort=own, user=UserFactory(email=f"member-{tag}-{i}@example.jp"))

        content = H5PContent.objects.create(
            key=f"act-{tag}-{i}", title=f"アクティビティ{tag}{i}", main_library=_library()
        )
        H5PState.objects.create(user=user, content=content, data=f'{{"typed": "途中の答え{tag}{i}"}}')
        XAPIStatement.objects.create(
            user=user,
            content=content,
            lesson_id=lessons[0].pk,
            course_id=course.pk,
            verb="answered",
            score_raw=1,
            score_max=1,
            percent=100,
            completed=True,
            statement={"verb": {"id": "http://adlnet.gov/expapi/verbs/answered"}},
        )
        H5PResult.objects.create(user=user, content=content, completed=True, best_percent=100)

        report = SessionReport.objects.create(
            lecturer=user,
            held_on=datetime.date(2026, 10, 1),
            place=f"公民館{tag}{i}",
            prefecture="13",
            delivery="municipal",
            organiser="つながり協会",
        )
        SessionReportLine.objects.create(report=report, sector="resident", age_band="30s", attendees=12)
        SessionReportLine.objects.create(report=report, sector="resident", age_band="40s", attendees=3)
        SessionReportEvent.objects.create(report=report, action="submitted", actor=user)

        session = ClassSession.objects.create(
            teacher=user,
            school_name=f"つながり小学校{tag}{i}",
            prefecture="27",
            grade="e6",
            course=course,
            held_on=datetime.date(2026, 11, 20),
            code=f"{tag[:2].upper()}{i:04d}",
            expires_at=timezone.now() + datetime.timedelta(hours=2),
        )
        for k in range(3):
            Pupil.objects.create(
                session=session,
                nickname=f"にっく{tag}{i}{k}",
                nickname_key=f"nick{tag}{i}{k}",
                token_hash=f"{tag}{i}{k}",
            )


def _export(user) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        data = json.loads(json.dumps(services.export_user_data(user), ensure_ascii=False))
    return data, len(queries.captured_queries)


def test_the_export_runs_the_same_number_of_queries_for_one_row_or_many(course_index):
    few = LearnerProfileFactory().user
    many = LearnerProfileFactory().user
    give_records(few, course_index, 1, "a")
    give_records(many, course_index, 6, "b")

    few_data, few_queries = _export(few)
    assert len(few_data["quizzes"]["attempts"]) == 2
    many_data, many_queries = _export(many)

    assert len(many_data["quizzes"]["attempts"]) == 12
    assert len(many_data["learning"]["enrolments"]) == 6
    assert len(many_data["session_reports"]) == 6
    assert many_queries == few_queries
    assert many_queries <= 30


def test_the_export_holds_each_kind_of_record_with_japanese_labels(client, learner, course_index):
    give_records(learner, course_index, 1, "x")
    client.force_login(learner)

    data = json.loads(client.get(reverse("accounts:export_json")).content)

    attempt = data["quizzes"]["attempts"][1]
    assert (attempt["number"], attempt["score_percent"], attempt["passed"]) == (2, 100.0, True)
    assert attempt["result"] == {"code": "passed", "label": "合格"}
    assert data["quizzes"]["attempts"][0]["result"] == {"code": "failed", "label": "不合格"}
    assert attempt["questions"][0] == {
        "question": "問いx0-0",
        "choices_shown": ["選択肢1", "選択肢2", "選択肢3"],
        "answer": ["選択肢2"],
    }
    assert "points" not in attempt  # a quiz may withhold which answers were right
    assert data["quizzes"]["time_extensions"] == [{"quiz": "確認テスト", "extra_minutes": 10}]
    assert data["quizzes"]["self_assessments"][0]["phase"] == {"code": "pre", "label": "受講前"}
    assert data["quizzes"]["self_assessment_answers_stored"] is False

    certificate = Certificate.objects.get(user=learner)
    [exported] = data["certificates"]
    assert exported["code"] == format_code(certificate.code)
    assert (exported["issued_on"], exported["name_printed"]) == ("2026-11-01", "山田 太郎")
    assert exported["status"] == {"code": "valid", "label": "有効"}
    assert exported["template_version"] == (str(certificate.template_version) if certificate.template_version else None)

    [membership] = data["organisations"]["memberships"]
    assert (membership["organisation"], membership["department"]) == ("つながり市役所x0", "福祉課")
    assert membership["prefecture"] == {"code": "13", "label": "東京都"}
    [led] = data["organisations"]["led"]
    assert (led["organisation"], led["members"]) == ("わたしの団体x0", 1)
    assert "member-x-0@example.jp" not in json.dumps(data)

    assert data["h5p_saved"]["states"][0]["data"] == '{"typed": "途中の答えx0"}'
    assert data["h5p_saved"]["statements"][0]["verb"] == "answered"
    assert data["h5p"]["statements"] == 1

    [report] = data["session_reports"]
    assert (report["place"], report["total"], report["status"]["label"]) == ("公民館x0", 15, "承認待ち")
    assert report["attendees"][0]["age_band"]["label"] == "30代"

    [session] = data["classes"]
    assert (session["school_name"], session["pupils"], session["grade"]["label"]) == ("つながり小学校x0", 3, "小学6年")
    assert "にっくx00" not in json.dumps(data, ensure_ascii=False)

    reflections = {r["text"] for r in data["learning"]["reflections"]}
    assert reflections == {"わたしのふりかえりx0"}


def test_the_export_labels_follow_the_language(client, learner, course_index):
    give_records(learner, course_index, 1, "e")
    client.force_login(learner)

    data = json.loads(client.get("/en" + reverse("accounts:export_json")).content)

    assert data["quizzes"]["attempts"][1]["result"]["label"] == "Passed"
    assert data["certificates"][0]["status"]["label"] == "Valid"


def test_the_my_data_page_lists_each_kind_of_record(client, learner, course_index):
    give_records(learner, course_index, 1, "p")
    client.force_login(learner)

    page = client.get(reverse("accounts:my_data")).content.decode()

    for text in (
        "確認テスト",
        "不合格",
        format_code(Certificate.objects.get(user=learner).code),
        "つながり市役所p0",
        "福祉課",
        "途中の状態 1件",
        "公民館p0",
        "つながり小学校p0",
        "参加 3人、修了 0人",
        "わたしのふりかえりp0",
    ):
        assert text in page, text
    assert "にっくp00" not in page


def test_erasure_removes_the_persons_records_and_keeps_anonymous_counts(client, course_index, course):
    user = LearnerProfileFactory().user
    give_records(user, course_index, 1, "d")
    course_page, lessons = course
    client.force_login(user)
    client.post(course_page.url, {"action": "start"})
    for lesson in lessons:
        client.post(lesson.url, {"action": "done"})
    enrolment = Enrolment.objects.get(user=user, course=course_page)
    assert enrolment.completed_at is not None
    completion = CompletionRecord.objects.get(source_key=f"enrolment:{enrolment.pk}")
    counts_before = sorted(AggregateCount.objects.values_list("pk", "count"))
    codes = list(Certificate.objects.filter(user=user).values_list("code", flat=True))
    assert len(codes) == 2
    report = SessionReport.objects.get(lecturer=user)
    other_members_cohort = OrganisationCohort.objects.get(name="つながり市役所d0")

    response = client.post(reverse("accounts:delete"), {"password": DEFAULT_PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    uid = user.pk
    for model in (Attempt, TimeExtension, SurveyParticipation, Certificate, CohortMember, H5PState, H5PResult):
        assert not model.objects.filter(user_id=uid).exists(), model
    assert not XAPIStatement.objects.filter(user_id=uid).exists()
    assert not Reflection.objects.filter(user_id=uid).exists()
    assert not Enrolment.objects.filter(user_id=uid).exists()
    assert not OrganisationCohort.objects.filter(leader_id=uid).exists()
    assert not ClassSession.objects.filter(teacher_id=uid).exists()
    assert not Pupil.objects.filter(nickname__startswith="にっくd").exists()
    # the organisation the person joined stays, for its other members and its leader
    assert OrganisationCohort.objects.filter(pk=other_members_cohort.pk).exists()
    # the lecturer's report stays for statistics, without the link to the person
    report.refresh_from_db()
    assert report.lecturer_id is None
    assert not SessionReportEvent.objects.filter(actor_id=uid).exists()
    assert SessionReportEvent.objects.filter(report=report).count() == 1
    # completions stay as anonymous counts
    assert CompletionRecord.objects.filter(pk=completion.pk).exists()
    assert sorted(AggregateCount.objects.values_list("pk", "count")) == counts_before

    client.logout()
    for code in codes:
        page = client.get(reverse("certificates:verify_code", args=[code])).content.decode()
        assert "山田" not in page
        assert "見つかりません" in page or "見つかりませんでした" in page
        api = client.get(f"/api/v1/certificates/{code}").json()
        assert (api["valid"], api["holder"], api["course"]) == (False, None, None)
