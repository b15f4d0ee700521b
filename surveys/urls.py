"""Staff-facing survey pages, mounted at /s/ (short enough to type from a slip).

The paths are printed on paper slips and sent in messages: they are a published
contract (see surveys/invitations.py).
"""

from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.code_entry, name="code_entry"),
    path("t/<str:code>/", views.respond_link, name="respond_link"),
    path("answer/", views.answer, name="answer"),
    path("thanks/", views.thanks, name="thanks"),
]
