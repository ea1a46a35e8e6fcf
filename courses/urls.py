from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("reflections/<int:lesson_id>/<str:block_id>/", views.reflection, name="reflection"),
]
