import re

import pytest
from django.core.management import call_command

from courses.models import CoursePage, LessonPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def courses():
    call_command("seed_content", verbosity=0)
    return {c.audience: c for c in CoursePage.objects.live()}


def lessons_of(course):
    return list(LessonPage.objects.live().child_of(course).order_by("path"))


def test_the_three_courses_are_seeded_with_their_audiences(courses):
    assert set(courses) == {"general", "staff", "children"}
    assert courses["children"].furigana_default is True


def test_the_adult_course_has_six_or_more_lessons_in_60_to_90_minutes_with_scenarios_and_reflection(courses):
    lessons = lessons_of(courses["general"])
    blocks = [block for lesson in lessons for block in lesson.body]

    assert len(lessons) >= 6
    assert 60 <= sum(lesson.minutes for lesson in lessons) <= 90
    assert sum(1 for b in blocks if b.block_type == "scenario") >= 3
    assert any(b.block_type == "reflection" for b in blocks)
    text = " ".join(str(b.value) for b in blocks)
    assert "人々のつながりに関する基礎調査" in text and "令和5年法律第45号" in text


def test_the_staff_course_adds_role_lessons_to_the_adult_material(courses):
    adult, staff = lessons_of(courses["general"]), lessons_of(courses["staff"])

    assert len(staff) >= len(adult) + 2
    text = " ".join(str(b.value) for lesson in staff for b in lesson.body)
    assert "分野横断" in text or "制度" in text
    assert "個人情報" in text


def test_the_childrens_course_fits_one_class_and_ends_with_a_trusted_adult_and_two_helplines(courses):
    lessons = lessons_of(courses["children"])

    assert 4 <= len(lessons) <= 5
    assert 45 <= sum(lesson.minutes for lesson in lessons) <= 50
    last = " ".join(str(b.value) for b in lessons[-1].body)
    assert "0120-99-7777" in last and "0120-0-78310" in last
    assert any(b.block_type == "image" for lesson in lessons for b in lesson.body)
    assert re.search(r"｜[^《]+《[ぁ-ん]+》", " ".join(str(b.value) for lesson in lessons for b in lesson.body))


def test_every_seeded_lesson_ends_with_where_to_get_help(courses):
    for course in courses.values():
        for lesson in lessons_of(course):
            assert lesson.body[-1].block_type == "help_resources", lesson.title


def test_the_home_page_entries_lead_to_the_three_courses(client, courses):
    page = client.get("/").content.decode()

    for course in courses.values():
        assert f'href="{course.url}"' in page
