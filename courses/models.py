from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from core.enums import Audience
from core.routing import view_restrictions
from courses.blocks import LessonStreamBlock
from courses.enums import CompletionRule


class CourseIndexPage(Page):
    """The list of courses (/courses/)."""

    intro = RichTextField(_("導入文"), blank=True, features=["bold", "link"], help_text=_("講座一覧の上に出す説明。"))

    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1
    template = "pages/course_index_page.html"
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("講座一覧")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = CoursePage.objects.live().child_of(self).order_by("path")
        return context


class CoursePage(RoutablePageMixin, Page):
    """One version of the course for one audience (一般 / 職員 / こども)."""

    audience = models.CharField(
        _("対象"), max_length=10, choices=Audience.choices, help_text=_("この講座の対象。統計の「対象」になります。")
    )
    curriculum_version = models.CharField(
        _("カリキュラム版"),
        max_length=20,
        default="2026.1",
        help_text=_("内容を改訂したら上げます（例：2026.2）。修了の記録には修了時点の版が残ります。"),
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        _("目安時間（分）"), default=60, help_text=_("講座全体の目安。レッスンの合計と合わせてください。")
    )
    intro = RichTextField(
        _("講座の紹介"),
        blank=True,
        features=["bold", "italic", "link", "ul"],
        help_text=_("講座ページの冒頭に出す説明。"),
    )
    goals = StreamField(
        [("goal", blocks.CharBlock(label=_("学習目標")))],
        blank=True,
        verbose_name=_("学習目標"),
        help_text=_("受講後にできるようになること。3〜6個。"),
    )
    completion_rule = models.CharField(
        _("修了の条件"),
        max_length=20,
        choices=CompletionRule.choices,
        default=CompletionRule.LESSONS_AND_QUIZ,
        help_text=_("修了と認める条件。判定はサーバーで行います。"),
    )
    furigana_default = models.BooleanField(
        _("ふりがなを最初から表示"),
        default=False,
        help_text=_("こども向けではオンにします。読む人が切り替えられます。"),
    )
    final_quiz = models.ForeignKey(
        "quizzes.Quiz",
        verbose_name=_("修了の確認テスト"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("合格すると修了になる確認テスト（修了の条件が「確認テストに合格」のとき）。"),
    )
    survey = models.ForeignKey(
        "quizzes.Survey",
        verbose_name=_("ふりかえりアンケート"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("受講前と修了後にたずねる任意のアンケート。"),
    )

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]
    template = "pages/course_page.html"

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("audience"), FieldPanel("curriculum_version"), FieldPanel("estimated_minutes")],
            heading=_("講座の設定"),
        ),
        FieldPanel("intro"),
        FieldPanel("goals"),
        MultiFieldPanel(
            [
                FieldPanel("completion_rule"),
                FieldPanel("final_quiz"),
                FieldPanel("survey"),
                FieldPanel("furigana_default"),
            ],
            heading=_("修了と表示"),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = _("講座")

    def get_view_restrictions(self):
        """Wagtail's, with no query when nothing at or above this page is restricted or an alias
        (core.routing.view_restrictions)."""
        return view_restrictions(self, super().get_view_restrictions)

    def serve(self, request, view=None, args=None, kwargs=None):
        is_index = view is None or getattr(view, "__name__", "") == "index_route"
        if is_index and request.method == "POST":
            from courses import services

            if request.POST.get("action") != "start":
                raise PermissionDenied
            services.start_course(request, self)
            target = services.resume_lesson_url(request, self)
            return redirect(target or self.url)
        return super().serve(request, view, args, kwargs)

    @path("quiz/", name="quiz")
    def quiz_view(self, request):
        from courses import quiz_views

        return quiz_views.quiz(request, self)

    @path("quiz/result/<int:attempt_id>/", name="quiz_result")
    def quiz_result_view(self, request, attempt_id):
        from courses import quiz_views

        return quiz_views.result(request, self, attempt_id)

    @path("check/<slug:key>/", name="lesson_quiz")
    def lesson_quiz_view(self, request, key):
        from courses import quiz_views

        return quiz_views.quiz(request, self, key)

    @path("check/<slug:key>/result/<int:attempt_id>/", name="lesson_quiz_result")
    def lesson_quiz_result_view(self, request, key, attempt_id):
        from courses import quiz_views

        return quiz_views.result(request, self, attempt_id, key)

    @path("survey/<str:phase>/", name="survey")
    def survey_view(self, request, phase):
        from courses import quiz_views

        return quiz_views.survey(request, self, phase)

    def get_context(self, request, *args, **kwargs):
        from courses import services

        context = super().get_context(request, *args, **kwargs)
        course = services.course_outline(self.pk)
        if course is None and getattr(request, "is_preview", False):
            course = services.preview_outline(self)
        context["state"] = services.learner_state(request, course)
        context["hide_footer_help"] = True  # the page shows the full help box itself
        return context


class LessonPage(Page):
    """One lesson of a course. Its body is written with the lesson blocks."""

    minutes = models.PositiveSmallIntegerField(_("目安時間（分）"), default=10, help_text=_("このレッスンの目安時間。"))
    summary = models.CharField(
        _("概要"), max_length=200, blank=True, help_text=_("レッスン一覧に出す一文。ふりがなの記法が使えます。")
    )
    required = models.BooleanField(
        _("修了に必須"), default=True, help_text=_("オフにすると、終えなくても講座を修了できます。")
    )
    body = StreamField(
        LessonStreamBlock(), verbose_name=_("本文"), help_text=_("レッスンの中身。最後に相談窓口を置きます。")
    )

    parent_page_types = ["courses.CoursePage"]
    subpage_types = []
    template = "pages/lesson_page.html"

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("minutes"), FieldPanel("required"), FieldPanel("summary")], heading=_("レッスンの設定")
        ),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]

    class Meta:
        verbose_name = _("レッスン")

    def get_view_restrictions(self):
        """Wagtail's, with no query when nothing at or above this page is restricted or an alias
        (core.routing.view_restrictions)."""
        return view_restrictions(self, super().get_view_restrictions)

    def serve(self, request, *args, **kwargs):
        """POST finishes the lesson (the learner's own state); GET is the page every reader shares
        (courses.caching), whose personal parts come from `courses.views.lesson_state`."""
        from courses import caching

        if request.method == "POST":
            from courses import services

            if request.POST.get("action") != "done":
                raise PermissionDenied
            course = services.course_of(self)
            next_url = services.finish_lesson(request, course, self)
            return redirect(next_url)
        return caching.shared_response(self, request, lambda: super(LessonPage, self).serve(request, *args, **kwargs))

    def get_context(self, request, *args, **kwargs):
        from django.urls import reverse

        from courses import caching, services

        context = super().get_context(request, *args, **kwargs)
        preview = getattr(request, "is_preview", False)
        course = services.course_of(self)
        if course is None and preview:
            parent = self.get_parent().specific if self.pk else None
            course = services.preview_outline(parent, self) if isinstance(parent, CoursePage) else None
        if course is None:
            raise Http404
        context["course"] = course
        context["state"] = services.shared_state(course, self.pk)
        context["shared_page"] = True
        context["show_userbar"] = bool(request.COOKIES.get(caching.EDITOR_COOKIE))
        live = self.pk is not None and course.lesson(self.pk) is not None and not preview
        context["state_url"] = reverse("courses:lesson_state", args=[self.pk]) if live else ""
        context["has_help_block"] = any(block.block_type == "help_resources" for block in self.body)
        context["hide_footer_help"] = True  # the lesson shows the full help box itself
        return context


class Enrolment(models.Model):
    """A learner taking a course. Progress, resume and completion hang off it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("受講者")
    )
    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("講座"))
    started_at = models.DateTimeField(_("開始日時"), auto_now_add=True)
    last_lesson = models.ForeignKey(
        LessonPage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最後に開いたレッスン"),
    )
    completed_at = models.DateTimeField(_("修了日時"), null=True, blank=True)
    # The curriculum version at completion: publishing a new version later does not change it.
    completed_version = models.CharField(_("修了時のカリキュラム版"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("受講")
        verbose_name_plural = _("受講")
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="one_enrolment_per_course")]

    def __str__(self):
        return f"{self.user} – {self.course}"


class LessonProgress(models.Model):
    """A lesson finished by an enrolled learner. One row per lesson, whatever the tabs."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="progress", verbose_name=_("受講"))
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="+", verbose_name=_("レッスン"))
    completed_at = models.DateTimeField(_("完了日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("レッスンの進み具合")
        verbose_name_plural = _("レッスンの進み具合")
        constraints = [models.UniqueConstraint(fields=["enrolment", "lesson"], name="one_progress_per_lesson")]

    def __str__(self):
        return f"{self.enrolment} – {self.lesson_id}"


class Reflection(models.Model):
    """An adult's private answer to a 個人ワーク prompt. Only its author ever sees it; children's
    answers are never sent to the server."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflections", verbose_name=_("受講者")
    )
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="+", verbose_name=_("レッスン"))
    block_id = models.CharField(
        _("ブロックID"), max_length=64, help_text=_("どの問いへの答えか（StreamFieldのブロックID）。")
    )
    text = models.TextField(_("内容"), max_length=4000)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("個人ワークの答え")
        verbose_name_plural = _("個人ワークの答え")
        constraints = [models.UniqueConstraint(fields=["user", "lesson", "block_id"], name="one_reflection_per_prompt")]

    def __str__(self):
        return f"{self.user} – {self.lesson_id}/{self.block_id}"
