"""Class sessions run by a teacher, and the pupils who join them with a code and a nickname.

Pupils never get a User: a pupil is a nickname inside one class, recognised on its device by a
random token kept in the device's session (only its hash is stored here). Nicknames and progress
are deleted a set number of days after the session ends (`purge_classrooms`); the counts written
to analytics when the session ends stay.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import reference
from core.enums import SELF_SELECTABLE_SECTORS, SchoolGrade

# No 0/O/Q/D, 1/I/L/J, 2/Z, 5/S, 8/B, U/V: easy to read from a projector and to type on a tablet.
JOIN_CODE_ALPHABET = "ACEFGHKMNPRTWXY34679"
JOIN_CODE_LENGTH = 6
NICKNAME_MAX_LENGTH = 12


class SessionStatus(models.TextChoices):
    OPEN = "open", _("受付中")
    PAUSED = "paused", _("参加の受付を一時停止中")
    ENDED = "ended", _("終了")


class ClassSession(models.Model):
    """One lesson in one class: the teacher's settings, the join code and the state."""

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="class_sessions", verbose_name=_("教員")
    )
    school_name = models.CharField(
        _("学校名"), max_length=100, help_text=_("統計には使いません。教員の画面にだけ出します。")
    )
    prefecture = models.CharField(_("都道府県"), max_length=2, choices=reference.PREFECTURE_CHOICES)
    municipality = models.CharField(_("市区町村"), max_length=40, blank=True)
    grade = models.CharField(_("学年"), max_length=10, choices=SchoolGrade.choices)
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.PROTECT, related_name="class_sessions", verbose_name=_("講座")
    )
    held_on = models.DateField(_("実施日"))
    code = models.CharField(_("参加コード"), max_length=JOIN_CODE_LENGTH, db_index=True)
    status = models.CharField(_("状態"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.OPEN)
    expires_at = models.DateTimeField(_("有効期限"), help_text=_("実施日の終わり（日本時間）。延長できます。"))
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    ended_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    # Set once, in the transaction that hands the completions to analytics.
    counted = models.BooleanField(_("集計済み"), default=False)
    completed_count = models.PositiveIntegerField(_("修了として数えた人数"), default=0)
    purged_at = models.DateTimeField(
        _("ニックネーム等の削除日時"), null=True, blank=True, help_text=_("ニックネームと進み具合を消した日時。")
    )

    class Meta:
        verbose_name = _("クラス")
        verbose_name_plural = _("クラス")
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(ended_at__isnull=True), name="one_live_session_per_code"
            ),
        ]

    def __str__(self):
        return f"{self.school_name} {self.get_grade_display()} {self.held_on} ({self.code})"

    @property
    def is_expired(self) -> bool:
        return self.ended_at is None and timezone.now() >= self.expires_at

    @property
    def state(self) -> str:
        """open / paused / expired / ended, as the pages and the dashboard show it."""
        if self.ended_at is not None or self.status == SessionStatus.ENDED:
            return "ended"
        if self.is_expired:
            return "expired"
        return self.status


class Pupil(models.Model):
    """A pupil in one class: a nickname, nothing else about the person."""

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="pupils", verbose_name=_("クラス"))
    nickname = models.CharField(_("ニックネーム"), max_length=NICKNAME_MAX_LENGTH)
    # NFKC + casefold of the nickname: "Ａｂｃ" and "abc" are the same name in a class.
    nickname_key = models.CharField(_("ニックネーム（比較用）"), max_length=NICKNAME_MAX_LENGTH * 3)
    # SHA-256 of the random token kept in the pupil's device session.
    token_hash = models.CharField(_("端末トークンのハッシュ"), max_length=64, unique=True)
    joined_at = models.DateTimeField(_("参加日時"), auto_now_add=True)
    current_lesson = models.ForeignKey(
        "courses.LessonPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("いま開いているレッスン"),
    )
    lessons_done = models.PositiveSmallIntegerField(_("終えたレッスン数"), default=0)
    quiz_done = models.BooleanField(_("確認テストを提出"), default=False)
    quiz_score = models.FloatField(_("確認テストの最高得点（%）"), null=True, blank=True)
    quiz_passed = models.BooleanField(_("確認テストに合格"), default=False)
    completed_at = models.DateTimeField(_("修了日時"), null=True, blank=True)
    removed = models.BooleanField(_("教員が外した"), default=False)

    class Meta:
        verbose_name = _("児童・生徒")
        verbose_name_plural = _("児童・生徒")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "nickname_key"],
                condition=models.Q(removed=False),
                name="one_nickname_per_class",
            ),
        ]

    def __str__(self):
        return self.nickname


class PupilLessonProgress(models.Model):
    """A lesson a pupil finished. One row per lesson, whatever the number of taps."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("児童・生徒のレッスンの進み具合")
        verbose_name_plural = _("児童・生徒のレッスンの進み具合")
        constraints = [models.UniqueConstraint(fields=["pupil", "lesson"], name="one_pupil_progress_per_lesson")]

    def __str__(self):
        return f"{self.pupil_id} – {self.lesson_id}"


class PupilQuizAttempt(models.Model):
    """A pupil's attempt at the course's quiz. Shaped like `quizzes.Attempt` (layout, answers,
    checked, submitted_at) so that `quizzes.services.parse_answers` reads it unchanged; graded on
    the server with `quizzes.services.grade_question`."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="attempts")
    quiz = models.ForeignKey("quizzes.Quiz", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(_("回数"))
    # [{"question": id, "choices": [choice ids in the order shown]}, ...]
    layout = models.JSONField(default=list)
    # {"<question id>": [choice ids chosen]}
    answers = models.JSONField(default=dict, blank=True)
    # [question ids] whose feedback was shown (answers locked)
    checked = models.JSONField(default=list, blank=True)
    # {"<question id>": points 0..1} after grading
    points = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True)

    class Meta:
        verbose_name = _("児童・生徒の確認テスト")
        verbose_name_plural = _("児童・生徒の確認テスト")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "number"], name="one_pupil_attempt_number"),
            models.UniqueConstraint(
                fields=["pupil"], condition=models.Q(submitted_at__isnull=True), name="one_open_pupil_attempt"
            ),
        ]

    def __str__(self):
        return f"{self.pupil_id} #{self.number}"

    @property
    def question_ids(self) -> list[int]:
        return [item["question"] for item in self.layout]


class PupilAnswer(models.Model):
    """A pupil's first answer to a question, for the class's answer distribution on the
    projector (which never shows who answered what)."""

    session = models.ForeignKey(ClassSession, on_delete=models.CASCADE, related_name="answers")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey("quizzes.Question", on_delete=models.CASCADE, related_name="+")
    # The choices picked (a list, for multiple-choice questions).
    choices = models.JSONField(default=list)
    correct = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("児童・生徒の解答")
        verbose_name_plural = _("児童・生徒の解答")
        constraints = [models.UniqueConstraint(fields=["pupil", "question"], name="one_first_answer_per_question")]

    def __str__(self):
        return f"{self.pupil_id} – {self.question_id}"


class OrganisationCohort(models.Model):
    """An organisation's staff training: one sign-up link that tags whoever signs up or enrols
    through it. The leader sees only how many enrolled and completed, by department."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohorts", verbose_name=_("団体リーダー")
    )
    name = models.CharField(_("団体名"), max_length=100, help_text=_("参加する人にも表示します。"))
    sector = models.CharField(_("分野"), max_length=20, choices=SELF_SELECTABLE_SECTORS)
    prefecture = models.CharField(_("都道府県"), max_length=2, choices=reference.PREFECTURE_CHOICES)
    # ["総務課", "福祉課", ...]: the departments a member may choose (optional).
    departments = models.JSONField(_("部署"), default=list, blank=True)
    token = models.CharField(_("リンクのトークン"), max_length=43, unique=True)
    active = models.BooleanField(_("受付中"), default=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("団体の研修")
        verbose_name_plural = _("団体の研修")

    def __str__(self):
        return self.name


class CohortMember(models.Model):
    """That a user joined an organisation's training through its link (and their department)."""

    cohort = models.ForeignKey(OrganisationCohort, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohort_memberships")
    department = models.CharField(_("部署"), max_length=50, blank=True)
    joined_at = models.DateTimeField(_("参加日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("団体の研修の参加者")
        verbose_name_plural = _("団体の研修の参加者")
        constraints = [models.UniqueConstraint(fields=["cohort", "user"], name="one_membership_per_cohort")]

    def __str__(self):
        return f"{self.cohort_id} – {self.user_id}"
