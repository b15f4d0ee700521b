from django.urls import path

from . import views

app_name = "recognition"

urlpatterns = [
    path("", views.home, name="home"),
    path("nominate/", views.nominate, name="nominate"),
    path("me/", views.mine, name="mine"),
    path("sites/<int:site_id>/wall/", views.wall, name="wall"),
    path("list/", views.recognition_list, name="list"),
    path("review/", views.review_list, name="review_list"),
    path("review/<int:recognition_id>/", views.review, name="review"),
    path("awards/", views.award_list, name="award_list"),
    path("awards/new/", views.award_new, name="award_new"),
    path("fairness/", views.fairness_view, name="fairness"),
    path("values/", views.value_list, name="value_list"),
    path("values/<int:value_id>/", views.value_edit, name="value_edit"),
    path("settings/", views.settings_view, name="settings"),
]
