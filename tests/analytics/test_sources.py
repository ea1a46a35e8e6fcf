"""Every way a person becomes a supporter is counted: online, in class, from an approved report."""

import datetime

import pytest

from analytics import integrity, stats
from analytics.models import CompletionRecord
from tests.courses.conftest import finish, start

pytestmark = pytest.mark.django_db
EXACT = stats.Scope(exact=True, prefectures=None)


def figure(**params):
    result = stats.compute(stats.parse(params), EXACT)
    return {tuple(v for k, v in row.items() if k != "count"): row["count"] for row in result.rows}


def test_an_online_completion_is_counted_with_the_learners_dimensions(client, learner, course):
    course_page, lessons = course
    client.force_login(learner)
    start(client, course_page)
    for lesson in lessons:
        finish(client, lesson)
    profile = learner.profile
    assert CompletionRecord.objects.filter(source="online").count() == 1
    assert figure(group_by="prefecture,sector,delivery") == {(profile.prefecture, profile.sector, "online"): 1}
    assert figure(group_by="age_band") == {(profile.age_band,): 1}
    # finishing again, or another tab, counts nothing more
    for lesson in lessons:
        finish(client, lesson)
    assert stats.compute(stats.Query(), EXACT).total == 1
    assert integrity.differences() == []


def test_a_class_is_counted_once_under_school_and_pupils(course):
    from courses.services import record_class_completions

    for _ in range(2):  # ending twice, or a retry
        record_class_completions(
            session_key="class:42",
            course_id=course[0].pk,
            completed_on=datetime.date(2026, 6, 3),
            count=27,
            prefecture="40",
            school_grade="e6",
        )
    assert figure(group_by="prefecture,sector,delivery") == {("40", "pupil", "school"): 27}
    assert figure(group_by="age_band") == {("grade_e6",): 27}
    assert integrity.differences() == []
