from django.db import models
from django.utils.translation import gettext_lazy as _

from core import reference
from core.enums import NOT_ANSWERED, AgeBand, Audience, DeliveryType, SchoolGrade, Sector, Sex


class CompletionSource(models.TextChoices):
    ONLINE = "online", _("オンライン受講")
    CLASS_SESSION = "class_session", _("クラス（授業）")
    SESSION_REPORT = "session_report", _("実施報告")
    SYNTHETIC = "synthetic", _("デモデータ")


class CompletionRecord(models.Model):
    """One completion (or, for a class or an approved report, a count of them), with the
    dimensions copied at that moment. Never points at a person: deleting an account leaves it.

    Written only by `analytics.services.record_completion`, which the course completion service
    calls inside its transaction. `source_key` makes a retry or a second tab a no-op.
    """

    source_key = models.CharField(
        _("重複防止キー"), max_length=100, unique=True, help_text=_("同じ修了を二重に数えないためのキー。")
    )
    source = models.CharField(_("出典"), max_length=20, choices=CompletionSource.choices)
    count = models.PositiveIntegerField(_("人数"), default=1)
    completed_on = models.DateField(_("修了日"), db_index=True)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"), help_text=_("4月始まりの年度（西暦の開始年）。"))
    prefecture = models.CharField(_("都道府県"), max_length=2, choices=reference.PREFECTURE_CHOICES_WITH_NO_ANSWER)
    municipality = models.CharField(_("市区町村"), max_length=40, blank=True)
    sector = models.CharField(_("分野"), max_length=20, choices=Sector.choices, default=NOT_ANSWERED)
    audience = models.CharField(_("対象"), max_length=10, choices=Audience.choices)
    delivery = models.CharField(_("実施形態"), max_length=10, choices=DeliveryType.choices)
    age_band = models.CharField(_("年代"), max_length=10, choices=AgeBand.choices, blank=True)
    school_grade = models.CharField(_("学年"), max_length=10, choices=SchoolGrade.choices, blank=True)
    sex = models.CharField(_("性別"), max_length=10, choices=Sex.choices, default=NOT_ANSWERED)
    organisation = models.CharField(_("団体"), max_length=100, blank=True)
    course_id = models.PositiveIntegerField(_("講座ID"))
    course_title = models.CharField(_("講座名"), max_length=255)
    curriculum_version = models.CharField(_("カリキュラム版"), max_length=20)
    is_synthetic = models.BooleanField(_("デモデータ"), default=False)
    created_at = models.DateTimeField(_("記録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("修了記録")
        verbose_name_plural = _("修了記録")
        indexes = [models.Index(fields=["prefecture", "sector"]), models.Index(fields=["fiscal_year", "audience"])]
        constraints = [models.CheckConstraint(condition=models.Q(count__gte=1), name="completion_count_positive")]

    def __str__(self):
        return f"{self.completed_on} {self.course_title} ×{self.count}"
