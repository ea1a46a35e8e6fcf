from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable
from wagtail.search import index

from quizzes.enums import FeedbackTiming, Layout, QuestionKind, SelectionMode, SurveyPhase, Topic


class QuestionTag(TaggedItemBase):
    content_object = ParentalKey("quizzes.Question", on_delete=models.CASCADE, related_name="tagged_items")


class Question(index.Indexed, ClusterableModel):
    """A question in the bank. Choices are inline; for ordering questions their order is the
    correct order (learners see them shuffled)."""

    kind = models.CharField(_("種類"), max_length=12, choices=QuestionKind.choices, help_text=_("問題の形式。"))
    text = models.TextField(_("問題文"), help_text=_("ふりがなは ｜漢字《かんじ》 と書けます。"))
    story = RichTextField(
        _("場面（お話）"),
        blank=True,
        features=["bold", "italic"],
        help_text=_("「場面」形式のときだけ。短い日常のお話。"),
    )
    explanation = models.TextField(_("解説"), help_text=_("正解の理由。結果画面に表示します。"))
    topic = models.CharField(_("学習項目"), max_length=12, choices=Topic.choices, help_text=_("どの学習項目の問題か。"))
    partial_credit = models.BooleanField(
        _("部分点あり"), default=False, help_text=_("複数選択で、一部正解にも点を与えるとき。")
    )
    tags = ClusterTaggableManager(
        through=QuestionTag,
        blank=True,
        verbose_name=_("出題対象のタグ"),
        help_text=_("general（一般）・staff（職員）・children（こども）など。確認テストはタグで問題を選びます。"),
    )

    panels = [
        FieldPanel("kind"),
        FieldPanel("text"),
        FieldPanel("story"),
        InlinePanel("choices", label=_("選択肢"), min_num=2),
        FieldPanel("explanation"),
        MultiFieldPanel([FieldPanel("topic"), FieldPanel("tags"), FieldPanel("partial_credit")], heading=_("分類")),
    ]
    search_fields = [index.SearchField("text"), index.AutocompleteField("text")]

    class Meta:
        verbose_name = _("問題")
        verbose_name_plural = _("問題")

    def __str__(self):
        return self.text[:60]

    def clean(self):
        if self.kind == QuestionKind.SCENARIO and not self.story:
            raise ValidationError({"story": _("「場面」形式の問題には、お話が必要です。")})


class Choice(Orderable):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("問題"))
    text = models.CharField(_("選択肢"), max_length=300, help_text=_("ふりがなの記法が使えます。"))
    is_correct = models.BooleanField(
        _("正解"), default=False, help_text=_("並べ替え問題では、すべて正解にして正しい順に並べます。")
    )
    feedback = models.TextField(_("フィードバック"), help_text=_("この選択肢を選んだ人へのことば。理由も添えて。"))

    panels = [FieldPanel("text"), FieldPanel("is_correct"), FieldPanel("feedback")]

    class Meta(Orderable.Meta):
        verbose_name = _("選択肢")
        verbose_name_plural = _("選択肢")

    def __str__(self):
        return self.text


class Quiz(ClusterableModel):
    """A quiz: fixed questions or N drawn from a tagged pool, with its rules."""

    key = models.SlugField(
        _("識別子"), unique=True, help_text=_("半角英数字。講座の「確認テスト」欄やレッスンの枠から参照します。")
    )
    title = models.CharField(_("名称"), max_length=200, help_text=_("受講者に表示する名前。"))
    intro = models.TextField(_("はじめの説明"), blank=True, help_text=_("開始前に表示する説明。"))
    selection = models.CharField(
        _("出題方法"),
        max_length=10,
        choices=SelectionMode.choices,
        default=SelectionMode.RANDOM,
        help_text=_("決まった問題か、無作為か。"),
    )
    pool_tag = models.CharField(
        _("問題バンクのタグ"), max_length=50, blank=True, help_text=_("無作為出題のとき、このタグの問題から選びます。")
    )
    draw_count = models.PositiveSmallIntegerField(
        _("出題数"), default=8, validators=[MinValueValidator(1)], help_text=_("無作為出題のときの問題数。")
    )
    shuffle = models.BooleanField(
        _("出題順をシャッフル"), default=True, help_text=_("オフにすると決まった順に出題します。")
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("合格点（%）"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("この割合以上の得点で合格。"),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("受験できる回数"), null=True, blank=True, help_text=_("空欄なら何度でも受けられます。")
    )
    feedback_timing = models.CharField(
        _("答えと解説の表示"),
        max_length=12,
        choices=FeedbackTiming.choices,
        default=FeedbackTiming.AFTER_SUBMIT,
        help_text=_("いつ正誤・フィードバック・解説を見せるか。"),
    )
    layout = models.CharField(
        _("画面の構成"),
        max_length=12,
        choices=Layout.choices,
        default=Layout.ALL_ON_ONE,
        help_text=_("1画面に1問か、すべてか。"),
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("制限時間（分）"),
        null=True,
        blank=True,
        help_text=_("空欄なら制限なし（おすすめ：アクセシビリティのため）。設定しても受講者ごとに延長できます。"),
    )

    panels = [
        FieldPanel("key"),
        FieldPanel("title"),
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("selection"),
                FieldPanel("pool_tag"),
                FieldPanel("draw_count"),
                InlinePanel("fixed_questions", label=_("決まった問題")),
            ],
            heading=_("出題"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("shuffle"),
                FieldPanel("pass_mark"),
                FieldPanel("max_attempts"),
                FieldPanel("feedback_timing"),
                FieldPanel("layout"),
                FieldPanel("time_limit_minutes"),
            ],
            heading=_("ルール"),
        ),
    ]

    class Meta:
        verbose_name = _("確認テスト")
        verbose_name_plural = _("確認テスト")

    def __str__(self):
        return self.title

    def pool(self):
        """The questions a random draw chooses from: those tagged with the pool tag."""
        return Question.objects.filter(tags__name=self.pool_tag).distinct()

    def clean(self):
        if self.selection != SelectionMode.RANDOM:
            return
        if not self.pool_tag:
            raise ValidationError({"pool_tag": _("無作為出題には、問題バンクのタグが必要です。")})
        available = self.pool().count()
        if available < (self.draw_count or 0):
            raise ValidationError(
                {
                    "draw_count": _(
                        "タグ「%(tag)s」の問題は問題バンクに%(available)d問しかありません。"
                        "出題数を%(available)d以下にするか、問題を追加してください。"
                    )
                    % {"tag": self.pool_tag, "available": available}
                }
            )


class QuizQuestion(Orderable):
    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="fixed_questions")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+", verbose_name=_("問題"))

    panels = [FieldPanel("question")]

    class Meta(Orderable.Meta):
        verbose_name = _("決まった問題")


class TimeExtension(models.Model):
    """Extra time for one learner on a timed quiz (an accessibility adjustment)."""

    quiz = models.ForeignKey(
        Quiz, on_delete=models.CASCADE, related_name="time_extensions", verbose_name=_("確認テスト")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("受講者")
    )
    extra_minutes = models.PositiveSmallIntegerField(_("延長（分）"), help_text=_("制限時間に足す分数。"))

    class Meta:
        verbose_name = _("時間の延長")
        verbose_name_plural = _("時間の延長")
        constraints = [models.UniqueConstraint(fields=["quiz", "user"], name="one_extension_per_learner")]

    def __str__(self):
        return f"{self.user} +{self.extra_minutes}"


class Attempt(models.Model):
    """One attempt at a quiz. Its questions and their order are fixed when it starts."""

    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("確認テスト"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    number = models.PositiveSmallIntegerField(_("回数"), help_text=_("この受講者の何回目か。"))
    # [{"question": id, "choices": [choice ids in the order shown]}, ...]
    layout = models.JSONField(_("出題内容"), default=list)
    # {"<question id>": [choice ids chosen, in order for ordering questions]}
    answers = models.JSONField(_("解答"), default=dict, blank=True)
    started_at = models.DateTimeField(_("開始日時"), auto_now_add=True)
    deadline = models.DateTimeField(_("締切"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    score = models.FloatField(_("得点（%）"), null=True, blank=True)
    passed = models.BooleanField(_("合格"), null=True)
    # {"<question id>": points 0..1} after grading
    points = models.JSONField(_("問題ごとの得点"), default=dict, blank=True)
    # [question ids] whose feedback was shown one by one (feedback "after each"): locked answers
    checked = models.JSONField(_("確認済みの問題"), default=list, blank=True)

    class Meta:
        verbose_name = _("受験")
        verbose_name_plural = _("受験")
        constraints = [
            models.UniqueConstraint(fields=["quiz", "user", "number"], name="one_attempt_number"),
            models.UniqueConstraint(
                fields=["quiz", "user"], condition=models.Q(submitted_at__isnull=True), name="one_open_attempt"
            ),
        ]

    def __str__(self):
        return f"{self.quiz} #{self.number} ({self.user_id})"

    @property
    def question_ids(self) -> list[int]:
        return [item["question"] for item in self.layout]


class Survey(ClusterableModel):
    """A short self-assessment before and after a course (5-point agreement)."""

    key = models.SlugField(_("識別子"), unique=True, help_text=_("講座から参照する半角英数字。"))
    title = models.CharField(_("名称"), max_length=200, help_text=_("受講者に表示する名前。"))

    panels = [FieldPanel("key"), FieldPanel("title"), InlinePanel("items", label=_("質問"), min_num=1)]

    class Meta:
        verbose_name = _("ふりかえりアンケート")
        verbose_name_plural = _("ふりかえりアンケート")

    def __str__(self):
        return self.title


class SurveyItem(Orderable):
    survey = ParentalKey(Survey, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(_("質問"), max_length=200, help_text=_("「〜を知っている」のような、自分についての文。"))

    panels = [FieldPanel("text")]

    class Meta(Orderable.Meta):
        verbose_name = _("質問")

    def __str__(self):
        return self.text


class SurveyTally(models.Model):
    """Anonymous running totals per item and phase: no individual answer is ever stored."""

    item = models.ForeignKey(SurveyItem, on_delete=models.CASCADE, related_name="tallies")
    phase = models.CharField(max_length=4, choices=SurveyPhase.choices)
    responses = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("アンケート集計")
        constraints = [models.UniqueConstraint(fields=["item", "phase"], name="one_tally_per_item_phase")]

    def __str__(self):
        return f"{self.item} {self.phase}"

    @property
    def average(self) -> float | None:
        return self.total / self.responses if self.responses else None


class SurveyParticipation(models.Model):
    """That a learner answered a survey phase (so it counts once) — not what they answered."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    phase = models.CharField(max_length=4, choices=SurveyPhase.choices)
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("アンケート回答済み")
        constraints = [models.UniqueConstraint(fields=["survey", "user", "phase"], name="one_answer_per_phase")]

    def __str__(self):
        return f"{self.survey} {self.phase} {self.user_id}"
