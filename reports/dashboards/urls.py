from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard_home, name="home"),
    path("teams/<int:team_id>/", views.team_view, name="team"),
    path(
        "teams/<int:team_id>/export/<slug:table>.<str:file_format>",
        views.team_export,
        name="team_export",
    ),
]
