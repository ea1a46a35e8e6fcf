import pytest

from courses.models import CourseIndexPage, CoursePage, LessonPage
from home.models import HomePage, StandardPage

pytestmark = pytest.mark.django_db


def test_courses_live_under_the_course_index_and_lessons_under_a_course(course):
    course_page, _lessons = course
    index = course_page.get_parent().specific
    home = HomePage.objects.get()

    assert CourseIndexPage.can_create_at(home) is False  # one course index only (max_count)
    assert CoursePage.can_create_at(index) is True
    assert CoursePage.can_create_at(home) is False
    assert LessonPage.can_create_at(course_page) is True
    assert LessonPage.can_create_at(index) is False
    assert LessonPage.can_create_at(home) is False
    assert StandardPage.can_create_at(course_page) is False
    assert LessonPage.allowed_subpage_models() == []
