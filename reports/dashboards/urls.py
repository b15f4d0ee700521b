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
    path("owner/", views.owner_view, name="owner"),
    path(
        "owner/export/<slug:table>.<str:file_format>",
        views.owner_export,
        name="owner_export",
    ),
    path("hr/", views.hr_view, name="hr"),
    path(
        "hr/export/<slug:table>.<str:file_format>",
        views.hr_export,
        name="hr_export",
    ),
    path("sites/<int:site_id>/", views.site_view, name="site"),
    path(
        "sites/<int:site_id>/export/<slug:table>.<str:file_format>",
        views.site_export,
        name="site_export",
    ),
]
