from django.urls import path

from analytics import report_views, views

urlpatterns = [
    path("stats/", views.public_stats, name="stats"),
    path("stats/download/<str:dataset>.<str:fmt>", views.public_download, name="stats_download"),
    path("reports/", report_views.my_reports, name="session_reports"),
    path("reports/new/", report_views.edit_report, name="session_report_new"),
    path("reports/<int:pk>/", report_views.edit_report, name="session_report_edit"),
]
