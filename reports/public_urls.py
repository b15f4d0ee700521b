"""The patient page behind a poster's QR code, mounted at /p/ (short to type).

The paths are printed on posters: keep them.
"""

from django.urls import path

from . import views

app_name = "patient"

urlpatterns = [
    path("<str:token>/", views.capture_page, name="capture"),
    path("<str:token>/thanks/", views.thanks_page, name="thanks"),
]
