from django.urls import path

from . import views

app_name = "skills"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("coverage.csv", views.overview_csv, name="overview_csv"),
    path("teams/<int:team_id>/", views.team_detail, name="team"),
    path("teams/<int:team_id>/grid/", views.grid, name="grid"),
    path("teams/<int:team_id>/grid/add-skill/", views.add_skill, name="add_skill"),
    path("teams/<int:team_id>/print/", views.grid_print, name="print"),
]
