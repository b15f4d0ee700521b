"""Back-office pages for patient feedback, mounted at /reports/."""

from django.urls import path

from . import analysis_views, views
from .flywheel_report import views as flywheel_views

app_name = "reports"

urlpatterns = [
    path("patient-feedback/", views.feedback_home, name="patient_feedback"),
    path(
        "patient-feedback/settings/",
        views.feedback_settings,
        name="patient_feedback_settings",
    ),
    path("patient-feedback/comments/", views.comment_list, name="comments"),
    path("patient-feedback/batches/<int:batch_id>/", views.batch_detail, name="batch"),
    path(
        "patient-feedback/batches/<int:batch_id>/confirm/",
        views.batch_confirm,
        name="batch_confirm",
    ),
    path(
        "patient-feedback/batches/<int:batch_id>/discard/",
        views.batch_discard,
        name="batch_discard",
    ),
    path(
        "patient-feedback/batches/<int:batch_id>/undo/",
        views.batch_undo,
        name="batch_undo",
    ),
    path(
        "patient-feedback/batches/<int:batch_id>/problems.csv",
        views.batch_errors_csv,
        name="batch_errors_csv",
    ),
    path("patient-feedback/posters/", views.poster_list, name="posters"),
    path("patient-feedback/posters/new/", views.poster_create, name="poster_create"),
    path("patient-feedback/posters/<int:point_id>/", views.poster, name="poster"),
    path(
        "patient-feedback/posters/<int:point_id>/revoke/",
        views.poster_revoke,
        name="poster_revoke",
    ),
    path("analysis/", analysis_views.analysis_home, name="analysis"),
    path("analysis/run/", analysis_views.analysis_start, name="analysis_start"),
    path(
        "analysis/runs/<int:run_id>/",
        analysis_views.analysis_run_detail,
        name="analysis_run",
    ),
    path(
        "analysis/runs/<int:run_id>/results.json",
        analysis_views.analysis_run_json,
        name="analysis_run_json",
    ),
    path("flywheel/", flywheel_views.report_list, name="flywheel_reports"),
    path(
        "flywheel/generate/",
        flywheel_views.report_generate,
        name="flywheel_report_generate",
    ),
    path(
        "flywheel/<int:report_id>/report.pdf",
        flywheel_views.report_download,
        name="flywheel_report_download",
    ),
]
