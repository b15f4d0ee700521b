from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.matrix, name="matrix"),
    path("compliance.csv", views.matrix_csv, name="matrix_csv"),
    path("people/<int:staff_id>/", views.person, name="person"),
    path("me/", views.mine, name="mine"),
    path(
        "completions/<int:completion_id>/evidence/",
        views.evidence_download,
        name="evidence",
    ),
    path(
        "completions/<int:completion_id>/evidence/upload/",
        views.evidence_upload,
        name="evidence_upload",
    ),
]
