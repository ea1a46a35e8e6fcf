import datetime

from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from analytics.models import CompletionRecord, CompletionSource
from classrooms import services
from classrooms.models import ClassSession, Pupil, PupilAnswer, PupilLessonProgress, PupilQuizAttempt
from tests.classrooms.conftest import finish_all, join, pass_quiz


def _class_of(session, children_course, results):
    """Pupils who join; True: completes (lessons + quiz passed), False: lessons only."""
    _course, lessons = children_course
    for n, completes in enumerate(results):
        pupil = Client()
        join(pupil, session.code, f"なまえ{n}")
        finish_all(pupil, session.code, lessons)
        if completes:
            pass_quiz(pupil, session.code, right=True)


def test_the_pupils_quiz_is_graded_on_the_server_and_answers_are_not_sent_before(session, children_course):
    from quizzes.models import Choice

    _course, lessons = children_course
    client = Client()
    join(client, session.code, "さくら")
    finish_all(client, session.code, lessons)
    client.post(f"/class/{session.code}/quiz/", {"action": "start"})
    page = client.get(f"/class/{session.code}/quiz/").content.decode()
    attempt = PupilQuizAttempt.objects.get()
    question_id = attempt.layout[0]["question"]
    assert "is_correct" not in page and "正解" not in page and "フィードバック" not in page
    right = Choice.objects.get(question_id=question_id, is_correct=True)
    client.post(
        f"/class/{session.code}/quiz/",
        {"attempt": attempt.pk, "index": 1, "action": "check", f"q{question_id}": right.pk},
    )
    page = client.get(f"/class/{session.code}/quiz/?q=1").content.decode()
    assert "せいかい！" in page and "解説</strong>" not in page


def test_the_quiz_waits_for_the_lessons(session, children_course):
    client = Client()
    join(client, session.code, "さくら")
    response = client.get(f"/class/{session.code}/quiz/")
    assert response.status_code == 403
    assert "レッスンをぜんぶ終えてから" in response.content.decode()


def test_passing_the_quiz_completes_the_pupil_and_the_result_shows_help(session, children_course):
    _course, lessons = children_course
    client = Client()
    join(client, session.code, "さくら")
    finish_all(client, session.code, lessons)
    pass_quiz(client, session.code)
    pupil = Pupil.objects.get()
    assert pupil.completed_at is not None
    assert pupil.quiz_score == 100.0
    page = client.get(f"/class/{session.code}/quiz/result/").content.decode()
    assert "よくできました" in page
    assert "相談窓口" in page


def test_failing_then_retrying(session, children_course):
    _course, lessons = children_course
    client = Client()
    join(client, session.code, "さくら")
    finish_all(client, session.code, lessons)
    pass_quiz(client, session.code, right=False)
    pupil = Pupil.objects.get()
    assert pupil.quiz_done and not pupil.quiz_passed and pupil.completed_at is None
    assert "もう一回" in client.get(f"/class/{session.code}/quiz/result/").content.decode()
    pass_quiz(client, session.code, right=True)
    pupil.refresh_from_db()
    assert pupil.completed_at is not None
    # The projector keeps each pupil's first answer only.
    assert PupilAnswer.objects.count() == 3


def test_lessons_show_furigana_and_the_help_resources(session, children_course):
    _course, lessons = children_course
    client = Client()
    join(client, session.code, "さくら")
    page = client.get(f"/class/{session.code}/learn/{lessons[0].pk}/").content.decode()
    assert "<ruby>孤独<rp>(</rp><rt>こどく</rt>" in page
    assert 'class="ruby-default-on"' in page
    assert "data-ruby-toggle" in page and "data-text-size-toggle" in page
    assert "相談窓口" in page


def test_ending_counts_every_pupil_who_completed_once(client, teacher, session, children_course):
    _class_of(session, children_course, [True, True, False])
    client.force_login(teacher)
    client.post(f"/classes/{session.pk}/action/", {"action": "end"})
    client.post(f"/classes/{session.pk}/action/", {"action": "end"})  # double click
    services.end_session(session)  # and a retry
    record = CompletionRecord.objects.get()
    assert record.count == 2
    assert record.source == CompletionSource.CLASS_SESSION
    assert record.source_key == f"class:{session.pk}"
    assert (record.prefecture, record.municipality, record.school_grade) == ("27", "大阪市", "e6")
    assert (record.sector, record.delivery, record.audience) == ("pupil", "school", "children")
    session.refresh_from_db()
    assert session.counted and session.completed_count == 2
    page = client.get(f"/classes/{session.pk}/").content.decode()
    assert "修了した2人を統計に数えました" in page


def test_a_class_where_nobody_completed_writes_no_record(session, children_course):
    _class_of(session, children_course, [False])
    services.end_session(session)
    assert CompletionRecord.objects.count() == 0
    session.refresh_from_db()
    assert session.counted and session.ended_at is not None


def test_removed_pupils_are_not_counted(session, children_course):
    _class_of(session, children_course, [True, True])
    services.remove_pupil(session, Pupil.objects.first().pk)
    services.end_session(session)
    assert CompletionRecord.objects.get().count == 1


def test_purge_after_n_days_deletes_nicknames_and_progress_but_keeps_the_counts(session, children_course):
    _class_of(session, children_course, [True, True, False])
    services.end_session(session)
    ClassSession.objects.filter(pk=session.pk).update(ended_at=timezone.now() - datetime.timedelta(days=29))
    call_command("purge_classrooms", verbosity=0)
    assert Pupil.objects.count() == 3  # not yet: 30 days by default
    ClassSession.objects.filter(pk=session.pk).update(ended_at=timezone.now() - datetime.timedelta(days=31))
    call_command("purge_classrooms", verbosity=0)
    assert Pupil.objects.count() == 0
    assert PupilLessonProgress.objects.count() == 0
    assert PupilQuizAttempt.objects.count() == 0
    assert PupilAnswer.objects.count() == 0
    assert CompletionRecord.objects.aggregate(n=Sum("count"))["n"] == 2
    session.refresh_from_db()
    assert session.purged_at is not None and session.completed_count == 2


def test_purge_ends_classes_whose_day_is_over_and_counts_them_once(session, children_course):
    _class_of(session, children_course, [True])
    ClassSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - datetime.timedelta(hours=1))
    call_command("purge_classrooms", "--days", "30", verbosity=0)
    call_command("purge_classrooms", "--days", "30", verbosity=0)
    session.refresh_from_db()
    assert session.ended_at is not None
    assert CompletionRecord.objects.get().count == 1
    assert Pupil.objects.count() == 1  # ended just now: kept for 30 days


def test_class_certificates_need_the_class_to_have_ended(client, teacher, session):
    client.force_login(teacher)
    response = client.get(f"/classes/{session.pk}/certificates/")
    assert response.status_code == 302


def test_class_certificate_names_are_checked_and_limited(client, teacher, session, children_course):
    services.end_session(session)
    client.force_login(teacher)
    too_many = "\n".join(f"なまえ{n}" for n in range(61))
    response = client.post(f"/classes/{session.pk}/certificates/", {"names": too_many})
    assert response.status_code == 400
    assert "60人まで" in response.content.decode()
    response = client.post(f"/classes/{session.pk}/certificates/", {"names": "山田\u0007太郎"})
    assert response.status_code == 400
    assert "1行目" in response.content.decode()
    response = client.post(f"/classes/{session.pk}/certificates/", {"use_nicknames": "on"})
    assert "ニックネームでは印刷できません" in response.content.decode()


def test_class_certificates_pdf_when_the_renderer_is_there(client, teacher, session, children_course, monkeypatch):
    from certificates import services as certificate_services

    calls = []

    def fake_render(**kwargs):
        calls.append(kwargs)
        return b"%PDF-1.4 fake"

    monkeypatch.setattr(certificate_services, "render_class_pdf", fake_render, raising=False)
    _class_of(session, children_course, [True])
    services.end_session(session)
    client.force_login(teacher)
    response = client.post(f"/classes/{session.pk}/certificates/", {"names": "山田 太郎\n佐藤 花子\n"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert calls[0]["names"] == ["山田 太郎", "佐藤 花子"]
    assert calls[0]["audience_label"] == "こども"
    response = client.post(f"/classes/{session.pk}/certificates/", {"use_nicknames": "on"})
    assert calls[1]["names"] == ["なまえ0"]


def test_class_certificates_are_one_page_per_name_and_nothing_is_stored(client, teacher, session, children_course):
    import io

    from pypdf import PdfReader

    from certificates.models import Certificate

    _class_of(session, children_course, [True, True])
    services.end_session(session)
    client.force_login(teacher)
    response = client.post(f"/classes/{session.pk}/certificates/", {"names": "山田 太郎\n佐藤 花子\n鈴木 一郎"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 3
    assert "佐藤 花子" in reader.pages[1].extract_text()
    response = client.post(f"/classes/{session.pk}/certificates/", {"use_nicknames": "on"})
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 2
    assert Certificate.objects.count() == 0
