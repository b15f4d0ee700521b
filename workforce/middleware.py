"""Request guards that Wagtail's own URL configuration has no place for."""

from django.http import Http404
from django.urls import reverse


class SiteHistoryForSuperusersMiddleware:
    """Only superusers may open Wagtail's site history report.

    The report lists log entries of every model the user holds any permission
    on, across all organizations: for HR that would be other practices' staff
    names. Each object's own history screen stays open (it is scoped).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path.startswith(reverse("wagtailadmin_reports:site_history"))
            and not request.user.is_superuser
        ):
            raise Http404
        return self.get_response(request)
