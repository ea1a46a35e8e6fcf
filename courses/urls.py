from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("lessons/<int:lesson_id>/me/", views.lesson_state, name="lesson_state"),
    path("reflections/<int:lesson_id>/<str:block_id>/", views.reflection, name="reflection"),
]
