from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("course/<int:course_id>/download/", views.download, name="download"),
    path("course/<int:course_id>/credential.jwt", views.credential, name="credential"),
    path("course/<int:course_id>/reissue/", views.reissue, name="reissue"),
    path("bulk/<uuid:public_id>/", views.bulk_status, name="bulk_status"),
    path("bulk/<uuid:public_id>/progress.json", views.bulk_progress, name="bulk_progress"),
    path("bulk/<uuid:public_id>/download/", views.bulk_file, name="bulk_file"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify, name="verify_code"),
]
