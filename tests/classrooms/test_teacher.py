import pytest
from django.test import Client
from django.utils import timezone

from classrooms import services
from classrooms.models import ClassSession, Pupil
from tests.classrooms.conftest import finish_all, join, yesterday
from tests.conftest import session_queries


def test_a_teacher_creates_a_class_with_the_childrens_course_by_default(client, teacher, children_course):
    course, _lessons = children_course
    client.force_login(teacher)
    form = client.get("/classes/new/").content.decode()
    assert f'<option value="{course.pk}" selected>' in form
    response = client.post(
        "/classes/new/",
        {
            "school_name": "つながり小学校",
            "prefecture": "13",
            "municipality": "",
            "grade": "e5",
            "course": course.pk,
            "held_on": timezone.localdate().isoformat(),
        },
    )
    session = ClassSession.objects.get()
    assert response["Location"] == f"/classes/{session.pk}/"
    assert session.teacher == teacher
    page = client.get(response["Location"]).content.decode()
    assert session.code in page
    assert f"/class/{session.code}/" in page
    assert "<svg" in page and 'role="img"' in page  # the QR code, as SVG
    assert "まだだれも参加していません" in page


def test_the_class_form_explains_what_is_wrong_in_japanese(client, teacher, children_course):
    client.force_login(teacher)
    response = client.post("/classes/new/", {"school_name": "", "held_on": yesterday().isoformat()})
    assert response.status_code == 400
    body = response.content.decode()
    for message in (
        "学校名を入力してください",
        "都道府県を選んでください",
        "学年を選んでください",
        "過去の日付は選べません",
    ):
        assert message in body
    assert ClassSession.objects.count() == 0


def test_a_user_without_the_teacher_role_cannot_create_classes(client, learner):
    client.force_login(learner)
    assert client.get("/classes/new/").status_code == 403


def test_signed_out_visitors_are_sent_to_log_in(client, db):
    response = client.get("/classes/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_teacher_sees_only_their_own_classes(client, session, other_teacher):
    client.force_login(other_teacher)
    for url in (
        f"/classes/{session.pk}/",
        f"/classes/{session.pk}/live.json",
        f"/classes/{session.pk}/projector/",
        f"/classes/{session.pk}/projector.json",
        f"/classes/{session.pk}/certificates/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/classes/{session.pk}/action/", {"action": "end"}).status_code == 404
    session.refresh_from_db()
    assert session.ended_at is None
    assert session.code not in client.get("/classes/").content.decode()


def test_the_dashboard_poll_shows_each_pupil_and_the_totals(client, teacher, session, children_course):
    _course, lessons = children_course
    sakura, taro = Client(), Client()
    join(sakura, session.code, "さくら")
    join(taro, session.code, "たろう")
    sakura.get(f"/class/{session.code}/learn/{lessons[1].pk}/")
    taro.post(f"/class/{session.code}/learn/{lessons[0].pk}/", {"action": "done"})
    client.force_login(teacher)
    data = client.get(f"/classes/{session.pk}/live.json").json()
    assert data["totals"] == {"joined": 2, "in_progress": 2, "completed": 0}
    assert data["lessons_total"] == 2
    rows = {row["nickname"]: row for row in data["pupils"]}
    assert rows["さくら"]["current"] == lessons[1].title
    assert rows["たろう"]["lessons_done"] == 1
    assert rows["たろう"]["quiz_done"] is False
    assert "teacher_id" not in data


@pytest.mark.django_db
def test_the_dashboard_poll_needs_few_queries(client, teacher, session, django_assert_num_queries):
    for n in range(30):
        join(Client(), session.code, f"なまえ{n}")
    client.force_login(teacher)
    services.outline_for(session)  # the course outline is cached on a running server
    url = f"/classes/{session.pk}/live.json"
    login_session = session_queries()
    # First poll: the login session (in Redis in production), the teacher (then in the user
    # cache), and the pupils with their class's fields.
    with django_assert_num_queries(login_session + 2):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(login_session):  # warm: the login session only
        assert len(client.get(url).json()["pupils"]) == 30
    pupil = Client()
    join(pupil, session.code, "さいご")
    with django_assert_num_queries(login_session + 1):  # a pupil joined: the session, and the pupils again
        assert len(client.get(url).json()["pupils"]) == 31
    services.pause(session)
    assert client.get(url).json()["state"] == "paused"  # the class's state comes with the pupils
    empty = services.create_session(
        teacher=teacher,
        school_name="空の学校",
        prefecture="13",
        grade="e5",
        course=session.course,
        held_on=session.held_on,
    )
    data = client.get(f"/classes/{empty.pk}/live.json").json()
    assert (data["state"], data["pupils"], data["totals"]["joined"]) == ("open", [], 0)


def test_the_dashboard_updates_after_progress(client, teacher, session, children_course):
    _course, lessons = children_course
    pupil = Client()
    join(pupil, session.code, "さくら")
    client.force_login(teacher)
    assert client.get(f"/classes/{session.pk}/live.json").json()["pupils"][0]["lessons_done"] == 0
    finish_all(pupil, session.code, lessons[:1])
    assert client.get(f"/classes/{session.pk}/live.json").json()["pupils"][0]["lessons_done"] == 1


def test_pause_resume_and_remove_from_the_teacher_page(client, teacher, session):
    join(Client(), session.code, "さくら")
    client.force_login(teacher)
    client.post(f"/classes/{session.pk}/action/", {"action": "pause"})
    session.refresh_from_db()
    assert session.state == "paused"
    assert "参加の受付を再開" in client.get(f"/classes/{session.pk}/").content.decode()
    client.post(f"/classes/{session.pk}/action/", {"action": "resume"})
    session.refresh_from_db()
    assert session.state == "open"
    pupil = Pupil.objects.get()
    client.post(f"/classes/{session.pk}/pupils/{pupil.pk}/remove/")
    assert client.get(f"/classes/{session.pk}/live.json").json()["totals"]["joined"] == 0


def test_a_teacher_cannot_remove_a_pupil_of_another_class(client, teacher, make_session, session, other_teacher):
    theirs = make_session(other_teacher)
    join(Client(), theirs.code, "さくら")
    pupil = Pupil.objects.get()
    client.force_login(teacher)
    assert client.post(f"/classes/{session.pk}/pupils/{pupil.pk}/remove/").status_code == 404
    assert Pupil.objects.get().removed is False


def test_the_projector_shows_the_distribution_without_nicknames(client, teacher, session, children_course):
    from tests.classrooms.conftest import pass_quiz

    _course, lessons = children_course
    for nickname, right in (("さくら", True), ("たろう", False)):
        pupil = Client()
        join(pupil, session.code, nickname)
        finish_all(pupil, session.code, lessons)
        pass_quiz(pupil, session.code, right=right)
    client.force_login(teacher)
    data = client.get(f"/classes/{session.pk}/projector.json").json()
    assert len(data["questions"]) == 3
    for question in data["questions"]:
        assert question["answered"] == 2
        assert sum(choice["count"] for choice in question["choices"]) == 2
        assert all("correct" not in choice for choice in question["choices"])
    page = client.get(f"/classes/{session.pk}/projector/").content.decode()
    body = str(data) + page
    assert "さくら" not in body and "たろう" not in body
    assert 'aria-live="polite"' in page
    with_answers = client.get(f"/classes/{session.pk}/projector.json?answers=1").json()
    assert all(any(c["correct"] for c in q["choices"]) for q in with_answers["questions"])


def test_the_session_helper_states(session):
    assert session.state == "open"
    services.pause(session)
    assert session.state == "paused"
