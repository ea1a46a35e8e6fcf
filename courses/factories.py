"""Factories for course pages (also usable for demo data)."""

import factory
import wagtail_factories

from courses.enums import CompletionRule
from courses.models import CourseIndexPage, CoursePage, LessonPage


class CourseIndexPageFactory(wagtail_factories.PageFactory):
    title = "講座一覧"
    slug = "courses"

    class Meta:
        model = CourseIndexPage


class CoursePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"テスト講座{n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    audience = "general"
    curriculum_version = "2026.1"
    completion_rule = CompletionRule.LESSONS_ONLY

    class Meta:
        model = CoursePage


class LessonPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"レッスン{n}")
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    minutes = 10
    body = factory.LazyFunction(
        lambda: [
            ("heading", "見出し"),
            ("text", "<p>｜孤独《こどく》について考えます。</p>"),
            ("help_resources", {"audience": "general"}),
        ]
    )

    class Meta:
        model = LessonPage


def build_course(parent, lessons: int = 3, **kwargs) -> tuple[CoursePage, list[LessonPage]]:
    """A published course with `lessons` published lessons under `parent` (a CourseIndexPage)."""
    course = CoursePageFactory(parent=parent, **kwargs)
    pages = [LessonPageFactory(parent=course) for _ in range(lessons)]
    return course, pages
