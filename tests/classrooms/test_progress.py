"""Progress updates (one statement on PostgreSQL, one transaction elsewhere), and what the hot
classroom requests cost in queries."""

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from classrooms import services
from classrooms.models import Pupil, PupilLessonProgress
from courses.enums import CompletionRule
from tests.classrooms.conftest import finish_all, join
from tests.conftest import session_queries


def done(client, code, lesson):
    return client.post(f"/class/{code}/learn/{lesson.pk}/", {"action": "done"})


def test_a_double_tap_records_the_lesson_once_and_goes_on(session, children_course):
    _course, lessons = children_course
    client = Client()
    join(client, session.code, "さくら")
    for _ in range(3):
        response = done(client, session.code, lessons[0])
        assert response["Location"] == f"/class/{session.code}/learn/{lessons[1].pk}/"
    pupil = Pupil.objects.get()
    assert PupilLessonProgress.objects.filter(pupil=pupil).count() == 1
    assert (pupil.lessons_done, pupil.current_lesson_id, pupil.completed_at) == (1, lessons[0].pk, None)
    response = done(client, session.code, lessons[1])
    assert response["Location"] == f"/class/{session.code}/learn/"
    pupil.refresh_from_db()
    assert (pupil.lessons_done, pupil.current_lesson_id) == (2, lessons[1].pk)
    # The course asks for the quiz too: the lessons alone do not complete the pupil.
    assert pupil.completed_at is None


def test_the_last_required_lesson_completes_a_pupil_when_the_course_needs_no_quiz(session, children_course):
    course, lessons = children_course
    course.completion_rule = CompletionRule.LESSONS_ONLY
    course.save_revision().publish()
    client = Client()
    join(client, session.code, "さくら")
    done(client, session.code, lessons[0])
    assert Pupil.objects.get().completed_at is None
    done(client, session.code, lessons[1])
    pupil = Pupil.objects.get()
    assert pupil.completed_at is not None
    first = pupil.completed_at
    done(client, session.code, lessons[1])  # again: the completion keeps its first time
    pupil.refresh_from_db()
    assert pupil.completed_at == first
    data = Client()
    data.force_login(session.teacher)
    totals = data.get(f"/classes/{session.pk}/live.json").json()["totals"]
    assert totals == {"joined": 1, "in_progress": 0, "completed": 1}


def test_progress_in_one_class_never_touches_another_pupil(make_session, teacher, session, children_course):
    _course, lessons = children_course
    other = make_session(teacher)
    mine, theirs = Client(), Client()
    join(mine, session.code, "さくら")
    join(theirs, other.code, "さくら")
    finish_all(mine, session.code, lessons)
    assert done(mine, other.code, lessons[0])["Location"] == f"/class/{other.code}/"  # not this device's class
    mine_pupil, their_pupil = Pupil.objects.get(session=session), Pupil.objects.get(session=other)
    assert mine_pupil.lessons_done == 2
    assert (their_pupil.lessons_done, their_pupil.current_lesson_id) == (0, None)
    assert not PupilLessonProgress.objects.filter(pupil=their_pupil).exists()


def test_a_lesson_of_another_course_is_not_recorded(session, children_course, course_index):
    from courses.factories import build_course

    _other_course, other_lessons = build_course(course_index, lessons=1)
    client = Client()
    join(client, session.code, "さくら")
    assert done(client, session.code, other_lessons[0]).status_code == 404
    assert not PupilLessonProgress.objects.exists()
    assert Pupil.objects.get().lessons_done == 0


# --- what the hot requests cost -------------------------------------------------------------------
# On PostgreSQL a progress update is one statement that finds the device's pupil in the class,
# records the lesson, recounts and completes; elsewhere the pupil, then one transaction. Sessions are
# in the database in these tests (in Redis in production, where they cost no query).


def _progress_queries():
    session = session_queries()  # the device's session
    if connection.vendor == "postgresql":
        return session + 1  # one statement (the pupil and its class found in it)
    return session + 6  # pupil + class, savepoint, insert, finished lessons, update, release


@pytest.mark.django_db
def test_a_progress_update_costs_a_fixed_few_queries(session, children_course, django_assert_num_queries):
    _course, lessons = children_course
    client = Client()
    join(client, session.code, "さくら")
    services.outline_for(session)  # the course outline is cached on a running server
    with django_assert_num_queries(_progress_queries()):
        assert done(client, session.code, lessons[0]).status_code == 302
    with django_assert_num_queries(_progress_queries()):  # a double tap costs the same and records nothing new
        assert done(client, session.code, lessons[0]).status_code == 302
    assert Pupil.objects.get().lessons_done == 1


@pytest.mark.django_db
def test_joining_costs_the_class_lookup_and_one_insert(session, django_assert_num_queries):
    client = Client()
    # The class; the pupil's INSERT (inside a savepoint here, where the test holds a transaction; on
    # its own, without BEGIN/COMMIT, on a server); the new device session (in Redis in production).
    with django_assert_num_queries(4 + 4 * session_queries()):
        assert join(client, session.code, "さくら").status_code == 302
    assert Pupil.objects.filter(session=session, nickname="さくら").exists()


@pytest.mark.parametrize("change", ["expired", "ended", "removed"])
def test_a_class_that_cannot_continue_records_nothing_even_once_the_worker_knows_it(session, children_course, change):
    import datetime

    from django.utils import timezone

    from classrooms.models import ClassSession

    _course, lessons = children_course
    client = Client()
    join(client, session.code, "さくら")
    assert done(client, session.code, lessons[0]).status_code == 302  # the worker has seen the class
    pupil = Pupil.objects.get()
    if change == "expired":
        ClassSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
        expected = (403, "時間は終わりました")
    elif change == "ended":
        services.end_session(session)
        expected = (403, "もう終わりました")
    else:
        services.remove_pupil(session, pupil.pk)
        expected = (302, "")
    response = done(client, session.code, lessons[1])
    assert response.status_code == expected[0]
    if expected[0] == 403:
        assert expected[1] in response.content.decode()
    else:
        assert response["Location"] == f"/class/{session.code}/"  # to the join page
    pupil.refresh_from_db()
    assert (pupil.lessons_done, pupil.current_lesson_id) == (1, lessons[0].pk)
    assert PupilLessonProgress.objects.filter(pupil=pupil).count() == 1


def test_a_paused_class_still_records_progress_in_one_statement(session, children_course, django_assert_num_queries):
    _course, lessons = children_course
    client = Client()
    join(client, session.code, "さくら")
    services.pause(session)
    services.outline_for(session)
    with django_assert_num_queries(_progress_queries()):
        assert done(client, session.code, lessons[0]).status_code == 302
    assert Pupil.objects.get().lessons_done == 1


def test_a_pupils_lesson_shows_a_changed_help_resource_at_once(client, session, children_course):
    """The classroom lesson's cached body is keyed on the same version token as every lesson page
    (courses.caching.render_version): a help resource renamed in the admin shows at once."""
    from home.models import HelpResource

    resource = HelpResource.objects.create(
        name="こどもの そうだん まどぐち", phone="0120-000-000", audience="children", last_verified=timezone.localdate()
    )
    _course, lessons = children_course
    lesson = lessons[0]
    lesson.body.append(("help_resources", {"audience": "children"}))
    lesson.save_revision().publish()
    join(client, session.code, "ひかり")
    url = f"/class/{session.code}/learn/{lesson.pk}/"
    assert "こどもの そうだん まどぐち" in client.get(url).content.decode()

    resource.name = "なまえを かえた まどぐち"
    resource.save()

    page = client.get(url).content.decode()
    assert "なまえを かえた まどぐち" in page
    assert "こどもの そうだん まどぐち" not in page


def test_a_pupils_lesson_shows_a_changed_h5p_activity_and_a_new_player_origin_at_once(
    client, session, children_course, settings
):
    """The same token covers the activities in a pupil's lesson and the player's origin."""
    from h5p.models import H5PContent, H5PLibrary

    library = H5PLibrary.objects.create(
        machine_name="H5P.Test",
        major_version=1,
        minor_version=0,
        patch_version=0,
        title="Test",
        storage_prefix="h5p/libraries/H5P.Test-1.0",
    )
    content = H5PContent.objects.create(key="class-activity", title="クイズの かつどう", main_library=library)
    _course, lessons = children_course
    lesson = lessons[0]
    lesson.body.append(("activity", {"kind": "h5p", "reference": content.key, "required": False, "pass_percent": None}))
    lesson.save_revision().publish()
    join(client, session.code, "ひかり")
    url = f"/class/{session.code}/learn/{lesson.pk}/"
    assert "クイズの かつどう" in client.get(url).content.decode()

    content.title = "なまえを かえた かつどう"
    content.save()
    assert "なまえを かえた かつどう" in client.get(url).content.decode()

    settings.H5P_PLAYER_ORIGIN = "http://player.example.test:8123"
    assert 'src="http://player.example.test:8123/h5p/player/' in client.get(url).content.decode()
