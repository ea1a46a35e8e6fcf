from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("course/<int:course_id>/download/", views.download, name="download"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify, name="verify_code"),
]
