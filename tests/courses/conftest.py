import pytest

from courses.factories import CourseIndexPageFactory, build_course


@pytest.fixture
def course_index(seeded):
    from courses.models import CourseIndexPage
    from home.models import HomePage

    existing = CourseIndexPage.objects.first()
    return existing or CourseIndexPageFactory(parent=HomePage.objects.get())


@pytest.fixture
def course(course_index):
    """A published course of three lessons that completes when its lessons are done."""
    return build_course(course_index, lessons=3)


def start(client, course_page):
    return client.post(course_page.url, {"action": "start"})


def finish(client, lesson):
    return client.post(lesson.url, {"action": "done"})
