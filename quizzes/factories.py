"""Factories for the question bank (tests and demo data)."""

from quizzes.enums import QuestionKind
from quizzes.models import Choice, Question, Quiz


def make_question(kind=QuestionKind.SINGLE, tags=("general",), correct=(0,), n=3, partial=False, text=None):
    """A question with `n` choices; `correct` lists the indexes of the right ones (ordering:
    the choices' order is the right order)."""
    question = Question.objects.create(
        kind=kind,
        text=text or f"問題 {Question.objects.count() + 1}",
        story="<p>ある日のこと。</p>" if kind == QuestionKind.SCENARIO else "",
        explanation="解説です。",
        topic="supporter",
        partial_credit=partial,
    )
    question.tags.add(*tags)
    question.save()
    for index in range(n):
        Choice.objects.create(
            question=question,
            sort_order=index,
            text=f"選択肢{index + 1}",
            is_correct=kind == QuestionKind.ORDERING or index in correct,
            feedback=f"フィードバック{index + 1}",
        )
    return question


def make_quiz(key="final", pool_tag="general", draw_count=3, **kwargs) -> Quiz:
    return Quiz.objects.create(key=key, title="確認テスト", pool_tag=pool_tag, draw_count=draw_count, **kwargs)


def correct_ids(question) -> list[int]:
    return list(question.choices.filter(is_correct=True).order_by("sort_order").values_list("pk", flat=True))
