"""Seed the question bank, the three final quizzes and the pre/post surveys (our own text)."""

from django.db import transaction

from core.seeding import SeedReport
from quizzes.enums import FeedbackTiming, Layout, SelectionMode
from quizzes.models import Choice, Question, Quiz, Survey, SurveyItem
from quizzes.seed_data import QUESTIONS, SURVEYS

QUIZZES = [
    {
        "key": "adult-final",
        "title": "一般向け講座 確認テスト",
        "intro": "講座で学んだことのふりかえりです。8問が出題され、80%以上で合格です。何度でも受けられます。",
        "pool_tag": "general",
        "draw_count": 8,
        "pass_mark": 80,
        "feedback_timing": FeedbackTiming.AFTER_SUBMIT,
        "layout": Layout.ALL_ON_ONE,
    },
    {
        "key": "staff-final",
        "title": "職員向け講座 確認テスト",
        "intro": "講座で学んだことのふりかえりです。8問が出題され、80%以上で合格です。何度でも受けられます。",
        "pool_tag": "staff",
        "draw_count": 8,
        "pass_mark": 80,
        "feedback_timing": FeedbackTiming.AFTER_SUBMIT,
        "layout": Layout.ALL_ON_ONE,
    },
    {
        "key": "children-final",
        "title": "たしかめよう",
        "intro": "じゅぎょうで学んだことを、たしかめてみましょう。1問ずつ答えを見ながら進みます。何回でもやりなおせます。",
        "pool_tag": "children",
        "draw_count": 6,
        "pass_mark": 60,
        "feedback_timing": FeedbackTiming.AFTER_EACH,
        "layout": Layout.ONE_PER_PAGE,
    },
]


def _seed_questions(report: SeedReport) -> None:
    for data in QUESTIONS:
        label = f"Question:{data['text'][:30]}"
        if Question.objects.filter(text=data["text"]).exists():
            report.unchanged.append(label)  # an editor may have improved it: never overwrite
            continue
        question = Question(
            kind=data["kind"],
            text=data["text"],
            story=data.get("story", ""),
            explanation=data["explanation"],
            topic=data["topic"],
            partial_credit=data.get("partial_credit", False),
        )
        question.full_clean()
        question.save()
        question.tags.add(*data["tags"])
        question.save()
        for order, choice in enumerate(data["choices"]):
            Choice.objects.create(
                question=question,
                sort_order=order,
                text=choice["text"],
                is_correct=choice["correct"],
                feedback=choice["feedback"],
            )
        report.created.append(label)


def _seed_surveys(report: SeedReport) -> None:
    for key, data in SURVEYS.items():
        survey, created = Survey.objects.get_or_create(key=key, defaults={"title": data["title"]})
        if not created:
            report.unchanged.append(f"Survey:{key}")
            continue
        for order, text in enumerate(data["items"]):
            SurveyItem.objects.create(survey=survey, sort_order=order, text=text)
        report.created.append(f"Survey:{key}")


@transaction.atomic
def seed() -> SeedReport:
    report = SeedReport()
    _seed_questions(report)
    for data in QUIZZES:
        if Quiz.objects.filter(key=data["key"]).exists():
            report.unchanged.append(f"Quiz:{data['key']}")
            continue
        quiz = Quiz(selection=SelectionMode.RANDOM, shuffle=True, **data)
        quiz.full_clean()
        quiz.save()
        report.created.append(f"Quiz:{data['key']}")
    _seed_surveys(report)
    return report
