from django.urls import include, path, register_converter

from classrooms import cohort_views, views

app_name = "classrooms"


class JoinCodeConverter:
    """Six letters or digits (any case; the view normalises and checks them)."""

    regex = "[0-9A-Za-z]{6}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(JoinCodeConverter, "joincode")

# Mounted at /class/ (pupils) — short, to type from a projector or open from a QR code.
pupil_urlpatterns = [
    path("", views.join, name="join"),
    path("<joincode:code>/", views.join, name="join_code"),
    path("<joincode:code>/learn/", views.pupil_home, name="pupil_home"),
    path("<joincode:code>/learn/<int:lesson_id>/", views.pupil_lesson, name="pupil_lesson"),
    path("<joincode:code>/quiz/", views.pupil_quiz, name="pupil_quiz"),
    path("<joincode:code>/quiz/result/", views.pupil_result, name="pupil_result"),
]

# Mounted at /classes/ (teachers).
teacher_urlpatterns = [
    path("", views.teacher_list, name="teacher_list"),
    path("new/", views.teacher_new, name="teacher_new"),
    path("<int:pk>/", views.teacher_detail, name="teacher_detail"),
    path("<int:pk>/live.json", views.teacher_live, name="teacher_live"),
    path("<int:pk>/action/", views.teacher_action, name="teacher_action"),
    path("<int:pk>/pupils/<int:pupil_id>/remove/", views.teacher_remove_pupil, name="teacher_remove_pupil"),
    path("<int:pk>/projector/", views.teacher_projector, name="teacher_projector"),
    path("<int:pk>/projector.json", views.teacher_projector_data, name="teacher_projector_data"),
    path("<int:pk>/certificates/", views.teacher_certificates, name="teacher_certificates"),
]

# Mounted at /org/ (organisation cohorts).
cohort_urlpatterns = [
    path("", cohort_views.leader_list, name="cohort_list"),
    path("<int:pk>/", cohort_views.leader_detail, name="cohort_detail"),
    path("<int:pk>/link/", cohort_views.leader_link, name="cohort_link"),
    path("<int:pk>/certificates/", cohort_views.leader_certificates, name="cohort_certificates"),
    path("join/<str:token>/", cohort_views.join, name="cohort_join"),
]

urlpatterns = [
    path("class/", include(pupil_urlpatterns)),
    path("classes/", include(teacher_urlpatterns)),
    path("org/", include(cohort_urlpatterns)),
]
