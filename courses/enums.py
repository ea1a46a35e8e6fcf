from django.db import models
from django.utils.translation import gettext_lazy as _


class CompletionRule(models.TextChoices):
    """What completes a course. Conditions are registered in `courses.completion`."""

    LESSONS_AND_QUIZ = "lessons_and_quiz", _("必須レッスンをすべて終え、確認テストに合格")
    LESSONS_ONLY = "lessons_only", _("必須レッスンをすべて終える")


class LessonState(models.TextChoices):
    DONE = "done", _("完了")
    CURRENT = "current", _("学習中")
    NOT_STARTED = "not_started", _("未着手")
