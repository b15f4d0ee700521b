"""The site's URLs plus one minimal view: the baseline for the survey rush."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def minimal(request):
    """As little as a Django view can do: through the middleware, then "ok"."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal), *site_urlpatterns]
