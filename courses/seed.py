"""Seed the three courses from `courses/seed_data/` (our own text, written from DOMAIN.md)."""

from django.db import transaction

from core.seeding import SeedReport, upsert_page
from courses.enums import CompletionRule
from courses.models import CourseIndexPage, CoursePage, LessonPage
from courses.seed_data import adult, children, staff
from home.models import HomePage
from home.seed import link_entries
from quizzes.models import Quiz, Survey

COURSES = [adult.COURSE, staff.COURSE, children.COURSE]
FINAL_QUIZ = {"adult": "adult-final", "staff": "staff-final", "children": "children-final"}


def _block(block_type: str, value):
    """Seed-data blocks → the lesson StreamField's blocks."""
    if block_type == "image":
        return (
            "image",
            {"image": None, "illustration": value["src"], "alt": value["alt"], "caption": value.get("caption", "")},
        )
    if block_type == "scenario":
        return ("scenario", {**value, "choices": [{"recommended": False, **choice} for choice in value["choices"]]})
    if block_type == "reflection":
        return ("reflection", {"prompt": value["prompt"], "hint": value.get("hint", "")})
    return (block_type, value)


@transaction.atomic
def seed() -> SeedReport:
    report = SeedReport()
    home = HomePage.objects.first()
    index = upsert_page(
        home,
        CourseIndexPage,
        "courses",
        {"title": "講座一覧", "intro": "<p>対象に合わせた3つの講座があります。どれも無料で受講できます。</p>"},
        report,
    )
    pages = {}
    for data in COURSES:
        course = upsert_page(
            index,
            CoursePage,
            data["slug"],
            {
                "title": data["title"],
                "audience": data["audience"],
                "curriculum_version": data["curriculum_version"],
                "estimated_minutes": data["estimated_minutes"],
                "intro": data["intro"],
                "goals": [("goal", goal) for goal in data["goals"]],
                "completion_rule": CompletionRule.LESSONS_AND_QUIZ,
                "furigana_default": data["audience"] == "children",
                "final_quiz": Quiz.objects.filter(key=FINAL_QUIZ[data["slug"]]).first(),
                "survey": Survey.objects.filter(key="children" if data["audience"] == "children" else "adult").first(),
            },
            report,
        )
        pages[data["audience"]] = course
        for lesson in data["lessons"]:
            upsert_page(
                course,
                LessonPage,
                lesson["slug"],
                {
                    "title": lesson["title"],
                    "minutes": lesson["minutes"],
                    "summary": lesson["summary"],
                    "required": True,
                    "body": [_block(block_type, value) for block_type, value in lesson["body"]],
                },
                report,
                label=f"LessonPage:{data['slug']}/{lesson['slug']}",
            )
    link_entries(pages)
    return report
