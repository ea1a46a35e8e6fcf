from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from analytics import report_views, views

PERMISSION = "accounts.view_analytics"


@hooks.register("register_admin_urls")
def register_analytics_admin_urls():
    return [
        path("analytics/", views.dashboard, name="analytics_dashboard"),
        path("analytics/export/<str:table>.<str:fmt>", views.dashboard_export, name="analytics_export"),
        path("analytics/targets/", views.set_target, name="analytics_set_target"),
        path("analytics/reports/", report_views.review_list, name="analytics_reports"),
        path("analytics/reports/<int:pk>/", report_views.review, name="analytics_report"),
        path("analytics/reports/import/", report_views.import_reports, name="analytics_report_import"),
    ]


class AnalystMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser or request.user.has_perm(PERMISSION)


@hooks.register("register_admin_menu_item")
def register_dashboard_menu_item():
    return AnalystMenuItem(
        gettext_lazy("統計ダッシュボード"), reverse("analytics_dashboard"), icon_name="table", order=150
    )


@hooks.register("register_admin_menu_item")
def register_reports_menu_item():
    return AnalystMenuItem(gettext_lazy("実施報告の承認"), reverse("analytics_reports"), icon_name="tasks", order=160)
