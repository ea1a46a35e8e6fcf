from django.db import models
from django.utils.translation import gettext_lazy as _

from core import reference
from core.enums import NOT_ANSWERED, AgeBand, Audience, DeliveryType, SchoolGrade, Sector, Sex


class CompletionSource(models.TextChoices):
    ONLINE = "online", _("オンライン受講")
    CLASS_SESSION = "class_session", _("クラス（授業）")
    SESSION_REPORT = "session_report", _("実施報告")
    SYNTHETIC = "synthetic", _("デモデータ")
    REPORT_CORRECTION = "report_correction", _("実施報告の訂正")


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
    # Positive, except a correction of an approved session report, which records the difference.
    count = models.IntegerField(_("人数"), default=1)
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
        constraints = [
            models.CheckConstraint(
                condition=models.Q(count__gte=1) | (models.Q(source="report_correction") & ~models.Q(count=0)),
                name="completion_count_positive",
            )
        ]

    def __str__(self):
        return f"{self.completed_on} {self.course_title} ×{self.count}"


class Grain(models.TextChoices):
    FISCAL_YEAR = "y", _("年度")
    MONTH = "m", _("月")
    DAY = "d", _("日")


class PendingCompletion(models.Model):
    """A completion record that the aggregates do not count yet.

    An online learner's completion (courses.services.complete_course, through
    `analytics.services.record_completion(pending=True)`) writes one of these instead of adding
    to 80 aggregate cells that every other learner's completion also locks.
    Every reader of the aggregates first adds all pending records to them in one batch and deletes
    these rows in the same transaction (`analytics.integrity.fold_pending`), so what a reader sees
    is still exact.
    """

    record = models.OneToOneField(CompletionRecord, on_delete=models.CASCADE, primary_key=True, related_name="+")

    class Meta:
        verbose_name = _("集計待ちの修了記録")
        verbose_name_plural = _("集計待ちの修了記録")

    def __str__(self):
        return str(self.record_id)


class AggregateCount(models.Model):
    """Pre-aggregated completion counts, maintained in the same transaction as each record (or,
    for a final quiz's submit, by the first reader after it: `PendingCompletion`).

    One row per (cuboid, grain, period, dimension values). A cuboid is a set of the five
    dimensions (prefecture, sector, audience, delivery, age); dimensions outside it hold "".
    Every cuboid is kept by fiscal year and by month; cuboids of at most two dimensions also by
    day, for the edges of a date range. See `analytics/cube.py` and docs/performance.md.
    """

    cuboid = models.PositiveSmallIntegerField()
    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField(help_text=_("月の集計は月初日、年度の集計は4月1日。"))
    prefecture = models.CharField(max_length=2, blank=True)
    sector = models.CharField(max_length=20, blank=True)
    audience = models.CharField(max_length=10, blank=True)
    delivery = models.CharField(max_length=10, blank=True)
    age = models.CharField(max_length=12, blank=True)
    count = models.BigIntegerField(default=0)
    synthetic = models.BigIntegerField(default=0, help_text=_("うちデモデータの件数。"))

    class Meta:
        verbose_name = _("集計値")
        verbose_name_plural = _("集計値")
        constraints = [
            models.UniqueConstraint(
                fields=["cuboid", "grain", "period", "prefecture", "sector", "audience", "delivery", "age"],
                name="aggregate_cell_unique",
            )
        ]
        indexes = [models.Index(fields=["cuboid", "grain", "prefecture", "period"], name="aggregate_by_prefecture")]

    def __str__(self):
        return f"{self.cuboid}/{self.grain}/{self.period}: {self.count}"


class Target(models.Model):
    """A target number of supporters for a fiscal year, nationally or for one prefecture."""

    fiscal_year = models.PositiveSmallIntegerField(_("年度"), help_text=_("西暦の開始年（例：2026 = 令和8年度）。"))
    prefecture = models.CharField(
        _("都道府県"),
        max_length=2,
        blank=True,
        choices=reference.PREFECTURE_CHOICES,
        help_text=_("空欄は全国の目標です。"),
    )
    target = models.PositiveIntegerField(_("目標人数"))
    set_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("設定者")
    )
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("目標")
        verbose_name_plural = _("目標")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "prefecture"], name="one_target_per_year_and_area")
        ]
        ordering = ["-fiscal_year", "prefecture"]

    def __str__(self):
        return f"{self.fiscal_year} {self.prefecture or '全国'}: {self.target}"


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("承認待ち")
    RETURNED = "returned", _("差し戻し")
    APPROVED = "approved", _("承認済み")


class SessionReport(models.Model):
    """An in-person or live online course held outside the platform, filed by a lecturer.
    Only an approved report counts; it enters analytics through the completion service."""

    lecturer = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="session_reports", verbose_name=_("講師")
    )
    held_on = models.DateField(_("実施日"))
    place = models.CharField(_("会場"), max_length=100)
    prefecture = models.CharField(_("都道府県"), max_length=2, choices=reference.PREFECTURE_CHOICES)
    municipality = models.CharField(_("市区町村"), max_length=40, blank=True)
    delivery = models.CharField(_("実施形態"), max_length=10, choices=DeliveryType.choices)
    audience = models.CharField(_("対象"), max_length=10, choices=Audience.choices, default=Audience.GENERAL)
    organiser = models.CharField(_("主催者"), max_length=100)
    status = models.CharField(_("状態"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED)
    return_reason = models.TextField(_("差し戻しの理由"), blank=True)
    revision = models.PositiveIntegerField(_("訂正回数"), default=0)
    imported = models.BooleanField(_("一括取り込み"), default=False)
    created_at = models.DateTimeField(_("提出日時"), auto_now_add=True)
    decided_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("承認者")
    )

    class Meta:
        verbose_name = _("実施報告")
        verbose_name_plural = _("実施報告")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"{self.held_on} {self.place}"

    @property
    def total(self) -> int:
        return sum(line.attendees for line in self.lines.all())


class SessionReportLine(models.Model):
    report = models.ForeignKey(SessionReport, on_delete=models.CASCADE, related_name="lines")
    sector = models.CharField(_("分野"), max_length=20, choices=Sector.choices)
    age_band = models.CharField(_("年代"), max_length=10, choices=AgeBand.choices)
    attendees = models.PositiveIntegerField(_("人数"))

    class Meta:
        verbose_name = _("参加者の内訳")
        verbose_name_plural = _("参加者の内訳")
        constraints = [
            models.UniqueConstraint(fields=["report", "sector", "age_band"], name="one_line_per_sector_and_age")
        ]

    def __str__(self):
        return f"{self.sector}/{self.age_band}: {self.attendees}"


class SessionReportEvent(models.Model):
    """Audit trail of a session report: filed, returned, approved, corrected."""

    report = models.ForeignKey(SessionReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=20)
    actor = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.TextField(_("理由"), blank=True)
    detail = models.JSONField(_("内容"), default=dict, blank=True)
    at = models.DateTimeField(_("日時"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
