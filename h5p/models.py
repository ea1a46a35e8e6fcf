"""H5P packages: libraries (kept once per version), activities (content), and what learners did.

This app knows nothing of courses: statements and state are stored against a user and an
activity; which lesson and course they belong to is checked by the course app through
`h5p.integration` and announced back with the `activity_result` signal.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class H5PLibrary(models.Model):
    """One version (machineName major.minor.patch) of an H5P library, stored once."""

    machine_name = models.CharField(_("マシン名"), max_length=255)
    major_version = models.PositiveIntegerField(_("メジャー版"))
    minor_version = models.PositiveIntegerField(_("マイナー版"))
    patch_version = models.PositiveIntegerField(_("パッチ版"))
    title = models.CharField(_("名前"), max_length=255)
    runnable = models.BooleanField(_("単独で実行できる"), default=False)
    metadata = models.JSONField(_("library.json"), default=dict)
    semantics = models.JSONField(_("semantics.json"), default=list, blank=True)
    files = models.JSONField(_("ファイル一覧"), default=list)
    storage_prefix = models.CharField(_("保存先"), max_length=255, unique=True)
    installed_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登録した人"),
    )

    class Meta:
        verbose_name = _("H5P ライブラリ")
        verbose_name_plural = _("H5P ライブラリ")
        ordering = ["machine_name", "major_version", "minor_version", "patch_version"]
        constraints = [
            models.UniqueConstraint(
                fields=["machine_name", "major_version", "minor_version", "patch_version"],
                name="h5p_library_once_per_version",
            )
        ]

    def __str__(self):
        return f"{self.machine_name} {self.version}"

    @property
    def version(self) -> str:
        return f"{self.major_version}.{self.minor_version}.{self.patch_version}"

    @property
    def folder(self) -> str:
        """The folder name H5P players look for: machineName-major.minor."""
        return f"{self.machine_name}-{self.major_version}.{self.minor_version}"


class H5PContent(models.Model):
    """An uploaded, vetted H5P activity. Immutable once stored: a new upload is a new activity."""

    key = models.SlugField(
        _("参照キー"),
        max_length=80,
        unique=True,
        help_text=_("レッスンの「確認テスト・H5P の枠」の参照キーに書く識別子。"),
    )
    uuid = models.UUIDField(_("保存用ID"), default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("タイトル"), max_length=255)
    main_library = models.ForeignKey(
        H5PLibrary, on_delete=models.PROTECT, related_name="main_for", verbose_name=_("メインのコンテンツタイプ")
    )
    libraries = models.ManyToManyField(H5PLibrary, related_name="used_by", verbose_name=_("使うライブラリ"))
    h5p_json = models.JSONField(_("h5p.json"), default=dict)
    content_json = models.JSONField(_("content.json（無害化済み）"), default=dict)
    files = models.JSONField(_("メディアファイル"), default=list)
    report = models.JSONField(_("検査の結果"), default=dict)
    uploaded_at = models.DateTimeField(_("アップロード日時"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("アップロードした人"),
    )

    class Meta:
        verbose_name = _("H5P アクティビティ")
        verbose_name_plural = _("H5P アクティビティ")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.title} ({self.key})"

    @property
    def storage_prefix(self) -> str:
        return f"h5p/content/{self.uuid}"


class XAPIStatement(models.Model):
    """An xAPI statement relayed by the player. Its score is self-reported by the browser."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="h5p_statements", verbose_name=_("受講者")
    )
    content = models.ForeignKey(
        H5PContent, on_delete=models.CASCADE, related_name="statements", verbose_name=_("アクティビティ")
    )
    lesson_id = models.PositiveIntegerField(_("レッスンID"))
    course_id = models.PositiveIntegerField(_("講座ID"))
    verb = models.CharField(_("動詞"), max_length=255)
    score_raw = models.FloatField(_("得点"), null=True, blank=True)
    score_max = models.FloatField(_("満点"), null=True, blank=True)
    percent = models.FloatField(_("得点率（%）"), null=True, blank=True)
    completed = models.BooleanField(_("完了"), default=False)
    self_reported = models.BooleanField(_("自己申告"), default=True, help_text=_("ブラウザが報告した結果です。"))
    statement = models.JSONField(_("ステートメント"))
    created_at = models.DateTimeField(_("受信日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("xAPI ステートメント")
        verbose_name_plural = _("xAPI ステートメント")
        indexes = [models.Index(fields=["user", "content"])]

    def __str__(self):
        return f"{self.user_id} {self.verb} {self.content_id}"


class H5PResult(models.Model):
    """A learner's best result in an activity (self-reported), kept for the lesson's rules."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="h5p_results", verbose_name=_("受講者")
    )
    content = models.ForeignKey(
        H5PContent, on_delete=models.CASCADE, related_name="results", verbose_name=_("アクティビティ")
    )
    completed = models.BooleanField(_("完了"), default=False)
    best_percent = models.FloatField(_("最高の得点率（%）"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("H5P の結果")
        verbose_name_plural = _("H5P の結果")
        constraints = [models.UniqueConstraint(fields=["user", "content"], name="h5p_one_result_per_activity")]

    def __str__(self):
        return f"{self.user_id} {self.content_id} {self.best_percent}"


class H5PState(models.Model):
    """Saved state for resuming an activity (the player's own JSON, size-limited)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="h5p_states", verbose_name=_("受講者")
    )
    content = models.ForeignKey(
        H5PContent, on_delete=models.CASCADE, related_name="states", verbose_name=_("アクティビティ")
    )
    data = models.TextField(_("状態"))
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("H5P の途中の状態")
        verbose_name_plural = _("H5P の途中の状態")
        constraints = [models.UniqueConstraint(fields=["user", "content"], name="h5p_one_state_per_activity")]

    def __str__(self):
        return f"{self.user_id} {self.content_id}"
