from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("単一選択")
    MULTIPLE = "multiple", _("複数選択")
    TRUE_FALSE = "true_false", _("正誤")
    ORDERING = "ordering", _("並べ替え")
    SCENARIO = "scenario", _("場面（短いお話と選択）")


class Topic(models.TextChoices):
    CONCEPTS = "concepts", _("孤独と孤立")
    FIGURES = "figures", _("数字で見る現状")
    POLICY = "policy", _("法律・計画")
    SUPPORTER = "supporter", _("サポーターにできること")
    REFLECTION = "reflection", _("個人ワーク")
    HELP = "help", _("相談先とセルフケア")
    ROLE = "role", _("職員としての役割")


class SelectionMode(models.TextChoices):
    FIXED = "fixed", _("決まった問題")
    RANDOM = "random", _("問題バンクから無作為に出題")


class FeedbackTiming(models.TextChoices):
    AFTER_EACH = "after_each", _("1問ごとに表示")
    AFTER_SUBMIT = "after_submit", _("提出後に表示")
    NEVER = "never", _("表示しない")


class Layout(models.TextChoices):
    ONE_PER_PAGE = "one_per_page", _("1画面に1問")
    ALL_ON_ONE = "all_on_one", _("1画面にすべて")


class SurveyPhase(models.TextChoices):
    PRE = "pre", _("受講前")
    POST = "post", _("受講後")
