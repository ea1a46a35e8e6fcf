from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from quizzes.models import Question, Quiz, Survey
from quizzes.services import survey_changes


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = _("問題バンク")
    list_display = ["text", "kind", "topic"]
    list_filter = ["kind", "topic"]
    search_fields = ["text"]


class QuizViewSet(SnippetViewSet):
    model = Quiz
    icon = "form"
    menu_label = _("確認テスト")
    list_display = ["title", "key", "selection", "pass_mark"]


class SurveyViewSet(SnippetViewSet):
    model = Survey
    icon = "list-ul"
    menu_label = _("ふりかえりアンケート")
    list_display = ["title", "key"]


class QuizzesGroup(SnippetViewSetGroup):
    items = (QuestionViewSet, QuizViewSet, SurveyViewSet)
    menu_icon = "form"
    menu_label = _("確認テスト")
    menu_order = 250


register_snippet(QuizzesGroup)


def survey_report(request):
    """Average before and after, per item: aggregates only, never a person's answers."""
    if not request.user.has_perm("accounts.view_analytics"):
        raise PermissionDenied
    surveys = [(survey, survey_changes(survey)) for survey in Survey.objects.order_by("title")]
    return render(request, "quizzes/admin/survey_report.html", {"surveys": surveys})


@hooks.register("register_admin_urls")
def register_survey_report_url():
    return [path("reports/survey-changes/", survey_report, name="quizzes_survey_report")]


class AnalyticsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("accounts.view_analytics")


@hooks.register("register_reports_menu_item")
def register_survey_report_menu_item():
    return AnalyticsMenuItem(_("ふりかえりの変化"), reverse("quizzes_survey_report"), icon_name="doc-full", order=700)
