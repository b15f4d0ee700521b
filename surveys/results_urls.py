"""Survey results for managers, mounted at /surveys/."""

from django.urls import path

from . import results_views as views

app_name = "survey_results"

urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("rounds/<int:round_id>/", views.round_detail, name="round_detail"),
    path("rounds/<int:round_id>/results.json", views.round_json, name="round_json"),
    path("rounds/<int:round_id>/results.csv", views.round_csv, name="round_csv"),
]
