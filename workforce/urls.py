from django.urls import path

from . import views

app_name = "workforce"

urlpatterns = [
    path("sites/", views.site_list, name="site_list"),
    path("sites/<int:site_id>/", views.site_detail, name="site_detail"),
    path("teams/<int:team_id>/", views.team_detail, name="team_detail"),
    path("people/", views.staff_list, name="staff_list"),
    path("people/<int:staff_id>/", views.staff_detail, name="staff_detail"),
]
